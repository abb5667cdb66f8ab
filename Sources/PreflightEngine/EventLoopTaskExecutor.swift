import NIOCore

/// Runs a task's jobs on one NIO event loop. A ping's task prefers the loop its sockets live on, so a
/// reply that completes a future resumes the probe on the same thread: no wake-up of the global pool and
/// no hop back to the loop for the next write (about two thread switches per message before). The HTTP
/// service runs each connection's task on its channel's loop too (`LoopBoundHTTP1Channel`), and
/// `EventLoopGroup.any()` called from a loop returns that loop, so a request, its ping and its answer
/// stay on one thread.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop every job runs on.
    public let loop: any EventLoop

    /// An executor whose jobs run on `loop`.
    public init(_ loop: any EventLoop) { self.loop = loop }

    /// Queues the job on the loop; it never runs inline, even when called from the loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
