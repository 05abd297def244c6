import NIOCore

/// Runs a Swift task's jobs on a NIO event loop: the gRPC server's calls run on one of the
/// collector's loops, never waiting for a thread of the cooperative pool, which anything blocking
/// elsewhere in the process could starve. (ClickstreamTransports has the same executor for the
/// devices' async work; the modules share no dependency to hold one copy.)
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
