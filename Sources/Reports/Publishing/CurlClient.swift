import CCurl
import Foundation

/// One HTTP exchange over libcurl, blocking the calling thread: the thin I/O layer under the
/// publisher. Never call it on an event loop.
struct CurlRequest: Sendable {
    var method: String
    var url: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var connectTimeout: Double = 5
    var timeout: Double = 30
    var insecure = false
}

struct CurlResponse: Sendable, Equatable {
    var status: Int
    var body: [UInt8]
}

/// A transfer that got no HTTP status: libcurl's code, its text, and how the retry logic sees it.
struct CurlFailure: Error, Sendable, Equatable, CustomStringConvertible {
    var code: Int32
    var message: String
    var kind: PushAttemptOutcome.FailureKind

    var description: String { "\(message) (curl error \(code))" }
}

enum CurlClient {
    /// At most this much of a response body is kept (enough for an error message or a metrics page).
    static let maximumBody = 4 << 20

    /// `curl_global_init` once per process, the first time a transfer needs it (thread safe: a
    /// static let is initialized exactly once).
    private static let globalInit: Int32 = Int32(bitPattern: cs_curl_global_init().rawValue)

    static func perform(_ request: CurlRequest) -> Result<CurlResponse, CurlFailure> {
        guard globalInit == 0 else {
            return .failure(CurlFailure(code: globalInit, message: "libcurl failed to initialize", kind: .other))
        }
        guard let handle = curl_easy_init() else {
            return .failure(CurlFailure(code: -1, message: "libcurl could not create a transfer", kind: .other))
        }
        defer { curl_easy_cleanup(handle) }

        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        // No `Expect: 100-continue` round trip before large bodies.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            list = curl_slist_append(list, line)
        }

        let sink = BodySink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            var setup = CURLE_OK
            func set(_ result: CURLcode) { if setup == CURLE_OK { setup = result } }
            set(cs_curl_setopt_string(handle, CURLOPT_URL, request.url))
            set(cs_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            set(cs_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(cs_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeout)))
            set(cs_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout)))
            set(cs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, request.insecure ? 0 : 1))
            set(cs_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, request.insecure ? 0 : 2))
            set(cs_curl_setopt_string(handle, CURLOPT_USERAGENT, "clickswarm"))
            set(cs_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list))
            set(cs_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress))
            set(cs_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
            set(
                cs_curl_setopt_write_function(handle) { data, size, count, context in
                    guard let context else { return 0 }
                    let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
                    let length = size * count
                    if let data, sink.bytes.count < CurlClient.maximumBody {
                        let kept = min(length, CurlClient.maximumBody - sink.bytes.count)
                        data.withMemoryRebound(to: UInt8.self, capacity: kept) { bytes in
                            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: kept))
                        }
                    }
                    return length
                })
            if request.method == "GET" {
                set(cs_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
            } else {
                set(cs_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                // COPYPOSTFIELDS copies the body, so it need not outlive this statement.
                request.body.withUnsafeBytes { body in
                    if let bytes = body.baseAddress {
                        set(
                            cs_curl_setopt_pointer(
                                handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes)))
                    } else {
                        set(cs_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
                    }
                }
                if request.method != "POST" {
                    set(cs_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
                }
            }
            guard setup == CURLE_OK else { return setup }
            return curl_easy_perform(handle)
        }
        withExtendedLifetime(sink) {}
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(
                CurlFailure(
                    code: Int32(bitPattern: code.rawValue),
                    message: message.trimmingCharacters(in: .whitespacesAndNewlines),
                    kind: kind(of: code)))
        }
        var status = 0
        _ = cs_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(CurlResponse(status: status, body: sink.bytes))
    }

    /// How the retry logic treats a libcurl error: connection trouble and timeouts are worth
    /// another attempt; a bad URL, an unsupported scheme or a certificate that fails verification
    /// are not.
    static func kind(of code: CURLcode) -> PushAttemptOutcome.FailureKind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2,
            CURLE_HTTP2_STREAM:
            return .connection
        default: return .other
        }
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        Int((max(0.001, seconds) * 1000).rounded(.up))
    }
}

/// The response body as the write callback receives it; one per transfer, used on the
/// transfer's thread only.
private final class BodySink {
    var bytes: [UInt8] = []
}
