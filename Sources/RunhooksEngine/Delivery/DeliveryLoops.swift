import NIOCore
import NIOPosix
import RunhooksCore
import RunhooksStore

/// The event loops deliveries run on. Each attempt is a task that prefers one of them, and its
/// request goes out on a connection of that same loop: the task, its socket and the answer
/// share one thread, instead of each step waking another thread to hand the next one over.
/// A group of its own, so deliveries and the API's sockets do not queue behind each other.
final class DeliveryLoops: Sendable {
    let group: MultiThreadedEventLoopGroup
    private let executors: [EventLoopTaskExecutor]

    init(threads: Int = System.coreCount) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        executors = group.makeIterator().map { EventLoopTaskExecutor(loop: $0) }
    }

    /// The executor for an attempt of `jobId`: always the same one for a job, so its next
    /// attempt finds the connection its last one kept alive on that loop.
    func executor(forJob jobId: String) -> EventLoopTaskExecutor {
        executors[Int(StableHash.fnv1a64(jobId) % UInt64(executors.count))]
    }

    /// The loop of the calling thread if it is one of these, else the next one.
    func loopForCaller() -> any EventLoop {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop,
            let own = executors.first(where: { $0.loop === current })
        {
            return own.loop
        }
        return group.next()
    }

    /// Stops the loops; every attempt and connection on them must have ended.
    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
