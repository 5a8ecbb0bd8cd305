import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird server on a free loopback port for tests (sinks that receive what the
/// product sends). It runs under a service group so that `stop()` shuts it down gracefully:
/// a connection accepted while a cancelled Hummingbird server winds down can crash NIO.
public final class TestHTTPServer: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    public static func start(router: Router<BasicRequestContext>, label: String) async -> TestHTTPServer {
        var logger = Logger(label: label)
        logger.logLevel = .error
        let started = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { started.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var port = 0
        for await bound in started.stream {
            port = bound
            break
        }
        return TestHTTPServer(port: port, group: group, task: task)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Shuts down gracefully; requests still open after `grace` (a target made to hang) are cut.
    public func stop(grace: Duration = .seconds(2)) async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let deadline = Task {
            try? await Task.sleep(for: grace)
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }
}
