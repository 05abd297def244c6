import Reports

/// A small scripted stream of recorder calls, replayable into any shard.
struct Stream {
    enum Call {
        case generated(String, String, String, UInt64)
        case sampledOut(String, String, String, UInt64)
        case dropped(String, String, String, String, UInt64)
        case sent(String, String, String, Int, UInt64)
        case acked(String, String, String, UInt64, UInt64)
        case timedOut(String, String, String, UInt64)
        case errorAnswer(String, String, String, Int, UInt64)
        case released(String, String, String, UInt64)
        case batch(String, String, UInt64, UInt64)
        case firstAck(String, String, UInt64)
        case attempt(String, String, UInt64)
        case connected(String, String, UInt64, UInt64)
        case connectFailed(String, String, String, UInt64)
        case disconnected(String, String, String, UInt64)
        case online(String, String, UInt64)
        case offline(String, String, UInt64)
        case health(String, String?)
        case note(String, UInt64)
    }

    var calls: [Call] = []

    func replay(into shard: RecorderShard) {
        func t(_ type: String) -> Int { shard.eventTypeIndex(type) }
        func g(_ flavor: String, _ network: String) -> Int { shard.groupIndex(flavor: flavor, network: network) }
        for call in calls {
            switch call {
            case .generated(let e, let f, let n, let at): shard.generated(type: t(e), group: g(f, n), at: at)
            case .sampledOut(let e, let f, let n, let at): shard.sampledOut(type: t(e), group: g(f, n), at: at)
            case .dropped(let e, let f, let n, let reason, let at):
                shard.dropped(type: t(e), group: g(f, n), reason: reason, at: at)
            case .sent(let e, let f, let n, let attempt, let at):
                shard.sent(type: t(e), group: g(f, n), attempt: attempt, at: at)
            case .acked(let e, let f, let n, let intended, let at):
                shard.acked(type: t(e), group: g(f, n), intendedAt: intended, at: at)
            case .timedOut(let e, let f, let n, let at): shard.timedOut(type: t(e), group: g(f, n), at: at)
            case .errorAnswer(let e, let f, let n, let code, let at):
                shard.errorAnswer(type: t(e), group: g(f, n), code: code, at: at)
            case .released(let e, let f, let n, let at): shard.released(type: t(e), group: g(f, n), at: at)
            case .batch(let f, let n, let ns, let at): shard.batchRoundTrip(group: g(f, n), nanoseconds: ns, at: at)
            case .firstAck(let f, let n, let ns): shard.timeToFirstAck(group: g(f, n), nanoseconds: ns)
            case .attempt(let f, let n, let at): shard.connectAttempt(group: g(f, n), at: at)
            case .connected(let f, let n, let ns, let at): shard.connected(group: g(f, n), timeToConnect: ns, at: at)
            case .connectFailed(let f, let n, let reason, let at):
                shard.connectFailed(group: g(f, n), reason: reason, at: at)
            case .disconnected(let f, let n, let reason, let at):
                shard.disconnected(group: g(f, n), reason: reason, at: at)
            case .online(let f, let n, let at): shard.deviceOnline(group: g(f, n), at: at)
            case .offline(let f, let n, let at): shard.deviceOffline(group: g(f, n), at: at)
            case .health(let name, let reason): shard.health(name: name, reason: reason)
            case .note(let name, let by): shard.note(name, by: by)
            }
        }
    }

    /// A deterministic mixed stream over `seconds` seconds: two flavors, two networks, two event
    /// types, every outcome; `salt` varies values between streams.
    static func mixed(seconds: Int, salt: UInt64) -> Stream {
        var stream = Stream()
        var state = salt &* 6_364_136_223_846_793_005 &+ 1
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        let flavors = ["ios", "android"]
        let networks = ["wifi", "3g"]
        let types = ["clickswarm-screenview", "clickswarm-click"]
        for second in 0..<seconds {
            let base = UInt64(second) * 1_000_000_000
            for step in 0..<40 {
                let at = base + UInt64(step) * 20_000_000 + next(1_000_000)
                let f = flavors[Int(next(2))]
                let n = networks[Int(next(2))]
                let e = types[Int(next(2))]
                stream.calls.append(.generated(e, f, n, at))
                switch next(10) {
                case 0: stream.calls.append(.sampledOut(e, f, n, at))
                case 1: stream.calls.append(.dropped(e, f, n, next(2) == 0 ? "store_full" : "drop_list", at))
                case 2: stream.calls.append(.sent(e, f, n, 1, at))  // still pending at the end
                default:
                    let latency = 1_000_000 + next(300_000_000)
                    stream.calls.append(.sent(e, f, n, 1, at))
                    if next(4) == 0 {
                        stream.calls.append(.timedOut(e, f, n, at + 1))
                        stream.calls.append(.released(e, f, n, at + 1))
                        stream.calls.append(.sent(e, f, n, 2, at + 2))
                    }
                    stream.calls.append(.acked(e, f, n, at, at + latency))
                    stream.calls.append(.batch(f, n, latency / 2, at + latency))
                }
            }
            stream.calls.append(.attempt("ios", "wifi", base))
            if second % 3 == 0 {
                stream.calls.append(.connectFailed("ios", "wifi", "refused", base + 1))
            } else {
                stream.calls.append(.connected("ios", "wifi", 2_000_000 + next(5_000_000), base + 1))
                stream.calls.append(.firstAck("ios", "wifi", 10_000_000 + next(5_000_000)))
                stream.calls.append(.online("ios", "wifi", base + 2))
            }
            if second % 4 == 3 {
                stream.calls.append(.disconnected("ios", "wifi", "close 1008", base + 500_000_000))
                stream.calls.append(.offline("ios", "wifi", base + 500_000_000))
                stream.calls.append(.errorAnswer(types[0], "ios", "wifi", 3, base + 3))
                stream.calls.append(.health("ClickstreamConnectionFailure", "close 1008"))
                stream.calls.append(.note("killed", 1))
            }
        }
        return stream
    }
}
