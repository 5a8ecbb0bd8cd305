import Foundation
import RunhooksTestSupport

/// A real SMTP server on loopback (the Python package aiosmtpd, installed by .ci/run) that
/// prints every message it receives as one JSON line.
final class SMTPSink: @unchecked Sendable {
    struct Message: Decodable, Sendable {
        let from: String
        let to: [String]
        let data: String

        func header(_ name: String) -> String? {
            for line in data.components(separatedBy: "\r\n").prefix(while: { !$0.isEmpty }) {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }

        var body: String {
            guard let range = data.range(of: "\r\n\r\n") else { return "" }
            return String(data[range.upperBound...])
        }
    }

    static let script = """
        import asyncio, json, socket, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"runhooks" and auth_data.password == b"s3cret"
            return AuthResult(success=ok, handled=False)
        auth = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False} if "auth" in sys.argv else {}
        if "starttls" in sys.argv:
            import ssl, subprocess, tempfile, os, shutil
            folder = tempfile.mkdtemp()
            key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            shutil.rmtree(folder)
            auth["tls_context"] = context
        probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                content = envelope.content.decode("utf-8", "replace")
                print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": content}), flush=True)
                return "250 OK"
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, **auth)
        controller.start()
        print(port, flush=True)
        sys.stdin.read()
        controller.stop()
        """

    private let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var buffer = ""
    private var portLine: String?
    private var received: [Message] = []
    private var waiters: [(id: UUID, count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private let started = DispatchSemaphore(value: 0)
    private(set) var port = 0

    /// Starts the server on a thread of its own: waiting for Python (and its openssl) must not
    /// hold one of the few threads Swift concurrency runs every other test on.
    static func start(requireAuth: Bool = false, offerStartTLS: Bool = false) async throws -> SMTPSink {
        try await offThePool { try SMTPSink(requireAuth: requireAuth, offerStartTLS: offerStartTLS) }
    }

    /// With `requireAuth`, the server accepts only AUTH as runhooks / s3cret; with
    /// `offerStartTLS`, it offers STARTTLS with a self-signed certificate.
    init(requireAuth: Bool = false, offerStartTLS: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: try TestPython.executable())
        process.arguments = ["-c", Self.script] + (requireAuth ? ["auth"] : []) + (offerStartTLS ? ["starttls"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                self?.started.signal()
                return
            }
            self?.consume(String(decoding: data, as: UTF8.self))
        }
        _ = started.wait(timeout: .now() + 20)
        guard let line = lock.withLock({ portLine }), let port = Int(line) else {
            throw SinkFailure("aiosmtpd did not start (see .build/test-python.log)")
        }
        self.port = port
    }

    private func consume(_ text: String) {
        var startedNow = false
        let ready = lock.withLock { () -> [CheckedContinuation<Bool, Never>] in
            buffer += text
            while let newline = buffer.firstIndex(of: "\n") {
                let line = String(buffer[..<newline])
                buffer = String(buffer[buffer.index(after: newline)...])
                if portLine == nil {
                    portLine = line
                    startedNow = true
                } else if let message = try? JSONDecoder().decode(Message.self, from: Data(line.utf8)) {
                    received.append(message)
                }
            }
            let count = received.count
            let due = waiters.filter { $0.count <= count }.map(\.continuation)
            waiters.removeAll { $0.count <= count }
            return due
        }
        for waiter in ready { waiter.resume(returning: true) }
        if startedNow { started.signal() }
    }

    var messages: [Message] { lock.withLock { received } }

    /// Waits until `count` messages have arrived; false after `timeout`.
    func waitFor(_ count: Int, timeout: Duration = .seconds(20)) async -> Bool {
        let id = UUID()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let arrived = lock.withLock { () -> Bool in
                if received.count >= count { return true }
                waiters.append((id, count, continuation))
                return false
            }
            if arrived {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = self.lock.withLock { () -> CheckedContinuation<Bool, Never>? in
                    guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return self.waiters.remove(at: index).continuation
                }
                expired?.resume(returning: false)
            }
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }
}

struct SinkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
