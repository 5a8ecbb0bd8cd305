import NIOCore

/// Runs a task's jobs on one event loop (the loop's thread then runs them between its I/O).
package final class EventLoopTaskExecutor: TaskExecutor {
    package let loop: any EventLoop

    package init(loop: any EventLoop) {
        self.loop = loop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
