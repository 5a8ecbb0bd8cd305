import Foundation
import Hummingbird
import RunhooksTestSupport
import Testing

/// The dashboard in a real browser: headless Chromium driven by Selenium (Tests/Browser), against
/// the real `runhooks` executable and a local target. `scripts/test` installs Chromium
/// (Debian's chromium and chromium-driver); without them this test is skipped, not passed.
/// `RUNHOOKS_UPDATE_SCREENSHOT=1` writes the README's screenshot (docs/dashboard-jobs.png).
@Suite(.serialized) struct DashboardBrowserTests {
    static let chromeDriver = "/usr/bin/chromedriver"
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: chromeDriver), "needs chromium and chromium-driver"))
    func signUpCreateInspectPauseRotateAndSignBackIn() async throws {
        let directory = TestScratch.path("runhooks-dashboard").path
        let server = try await ServerProcess.launch(dataDirectory: directory, arguments: ["--allow-private-targets", "--rate-limits", "off"])
        defer { server.terminate() }
        let router = Router()
        router.post("hook") { _, _ in Response(status: .ok, body: .init(byteBuffer: .init(string: #"{"received":true}"#))) }
        let target = await TestHTTPServer.start(router: router, label: "dashboard-target")
        let screenshot = ProcessInfo.processInfo.environment["RUNHOOKS_UPDATE_SCREENSHOT"] == "1"
            ? Self.root.appendingPathComponent("docs/dashboard-jobs.png").path
            : TestScratch.path("dashboard", suffix: ".png").path
        let python = try TestPython.executable()
        let script = Self.root.appendingPathComponent("Tests/Browser/dashboard_flows.py").path
        let base = "http://127.0.0.1:\(server.port)"
        let (status, output) = try await runToEnd(
            python, [script, base, "\(target.baseURL)/hook", screenshot, ServerProcess.executable.path, directory],
            label: "dashboard")
        await target.stop()
        #expect(status == 0, "\(output)")
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }
}
