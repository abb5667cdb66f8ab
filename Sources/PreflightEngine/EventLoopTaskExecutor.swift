import NIOCore

/// Runs a task's jobs on one NIO event loop. A ping's task prefers the loop its sockets live on, so a
/// reply that completes a future resumes the probe on the same thread: no wake-up of the global pool and
/// no hop back to the loop for the next write (about two thread switches per message before).
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
