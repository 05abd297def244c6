import NIOCore

/// Runs a Swift task's jobs on a NIO event loop: the async work a device starts (the certificate
/// check of a TLS handshake, a gRPC call) runs on the device's own loop thread (DESIGN principle
/// 1), never waiting for a thread of the cooperative pool, which anything blocking elsewhere in
/// the process could starve. (Collector has the same executor for its gRPC server.)
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
