import Testing

@testable import Reports

@Suite("push retries: the state machine")
struct PushRetryStateMachineTests {
    typealias Action = PushRetryStateMachine.Action

    /// Starts a machine, feeds it `outcomes` in turn, and returns every action it asked for.
    func actions(_ outcomes: [PushAttemptOutcome], policy: PushRetryPolicy = PushRetryPolicy()) -> [Action] {
        var machine = PushRetryStateMachine(policy: policy)
        var actions = [machine.start()]
        for outcome in outcomes { actions.append(machine.attemptEnded(outcome)) }
        return actions
    }

    static let refused = PushAttemptOutcome.failed(.connection, message: "Connection refused")

    @Test("2xx at once: one attempt")
    func succeedsAtOnce() {
        #expect(actions([.status(200)]) == [.attempt(1), .succeeded(status: 200, attempts: 1)])
        #expect(actions([.status(204)]) == [.attempt(1), .succeeded(status: 204, attempts: 1)])
    }

    @Test("503, 503, then 200: retried after 0.5 s and 1 s")
    func retriesServerErrors() {
        #expect(
            actions([.status(503), .status(503), .status(200)]) == [
                .attempt(1), .waitThenAttempt(seconds: 0.5, attempt: 2), .waitThenAttempt(seconds: 1, attempt: 3),
                .succeeded(status: 200, attempts: 3),
            ])
    }

    @Test("connection errors: 3 retries after 0.5 s, 1 s, 2 s, then it fails")
    func connectionErrorsRunOut() {
        #expect(
            actions([Self.refused, Self.refused, Self.refused, Self.refused]) == [
                .attempt(1), .waitThenAttempt(seconds: 0.5, attempt: 2), .waitThenAttempt(seconds: 1, attempt: 3),
                .waitThenAttempt(seconds: 2, attempt: 4), .failed(Self.refused, attempts: 4, retriable: true),
            ])
    }

    @Test("a timeout is retried like a connection error")
    func timeoutsAreRetried() {
        let timeout = PushAttemptOutcome.failed(.timeout, message: "Operation timed out")
        #expect(
            actions([timeout, .status(201)]) == [
                .attempt(1), .waitThenAttempt(seconds: 0.5, attempt: 2), .succeeded(status: 201, attempts: 2),
            ])
    }

    @Test("4xx, 3xx and other errors fail at once", arguments: [400, 401, 404, 429, 301])
    func clientErrorsAreNotRetried(status: Int) {
        #expect(actions([.status(status)]) == [.attempt(1), .failed(.status(status), attempts: 1, retriable: false)])
    }

    @Test("a bad certificate is not retried")
    func otherFailuresAreNotRetried() {
        let tls = PushAttemptOutcome.failed(.other, message: "SSL certificate problem")
        #expect(actions([tls]) == [.attempt(1), .failed(tls, attempts: 1, retriable: false)])
    }

    @Test("a 5xx after a connection error still counts the attempts")
    func mixedOutcomes() {
        let policy = PushRetryPolicy(retries: 2, initialBackoff: 0.1)
        #expect(
            actions([Self.refused, .status(500), .status(502)], policy: policy) == [
                .attempt(1), .waitThenAttempt(seconds: 0.1, attempt: 2), .waitThenAttempt(seconds: 0.2, attempt: 3),
                .failed(.status(502), attempts: 3, retriable: true),
            ])
    }

    @Test("no retries: the first failure is final")
    func noRetries() {
        #expect(
            actions([.status(503)], policy: PushRetryPolicy(retries: 0))
                == [.attempt(1), .failed(.status(503), attempts: 1, retriable: true)])
    }

    @Test("backoff doubles")
    func backoffDoubles() {
        let policy = PushRetryPolicy(retries: 5, initialBackoff: 0.25)
        #expect((1...5).map { policy.backoff(beforeRetry: $0) } == [0.25, 0.5, 1, 2, 4])
    }
}
