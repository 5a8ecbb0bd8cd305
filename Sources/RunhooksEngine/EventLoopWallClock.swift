import Foundation
import NIOCore
import NIOPosix
import RunhooksCore

/// The system clock, with sleeps timed by NIO's event loops rather than `Task.sleep`: a fire
/// sleeps until its slot, and `Task.sleep` would route every such wake-up through Dispatch's
/// timer thread and a worker thread before it reached the event loop that runs the task.
public struct EventLoopWallClock: WallClock {
    let group: any EventLoopGroup

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    public func now() -> Date { Date() }
    public var isSystemTime: Bool { true }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        guard interval > 0 else {
            try Task.checkCancellation()
            return
        }
        try await EventLoopTimer.sleep(for: .nanoseconds(Int64(interval * 1e9)), on: group)
    }
}

/// Sleeps on an event loop's timer (cancellable like `Task.sleep`).
enum EventLoopTimer {
    static func sleep(for duration: Duration, on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws
    {
        let scheduled = group.any().scheduleTask(in: TimeAmount(duration)) {}
        try await withTaskCancellationHandler {
            do {
                try await scheduled.futureResult.get()
            } catch EventLoopError.cancelled {
                throw CancellationError()
            }
        } onCancel: {
            scheduled.cancel()
        }
    }
}
