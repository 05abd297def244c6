/// The secret `/admin/faults` asks for, as `Authorization: Bearer <token>`. It never prints
/// itself: `description` and `debugDescription` say only that a token is set.
public struct AdminToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let bytes: [UInt8]

    public init(_ token: String) {
        bytes = Array(token.utf8)
    }

    public var description: String { "<admin token, \(bytes.count) bytes>" }
    public var debugDescription: String { description }

    /// Why the token cannot be used, if it cannot.
    var problem: String? {
        if bytes.count < 16 { return "the admin token must be at least 16 characters long" }
        // RFC 6750's token68 characters; anything else could not be sent in the header as is.
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=".utf8)
        if !bytes.allSatisfy(allowed.contains) {
            return "the admin token may hold only letters, digits and - . _ ~ + / ="
        }
        return nil
    }

    /// Whether `candidate` is the token, in time that does not depend on where they differ.
    func matches(_ candidate: some Collection<UInt8>) -> Bool {
        // Every byte of the candidate is looked at, whether or not an earlier one differed.
        var difference = bytes.count ^ candidate.count
        var index = 0
        for byte in candidate {
            difference |= Int(byte ^ (index < bytes.count ? bytes[index] : 0))
            index += 1
        }
        return difference == 0
    }
}
