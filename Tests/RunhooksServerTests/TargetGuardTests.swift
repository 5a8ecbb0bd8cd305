import Dispatch
import RunhooksCore
import Testing

@testable import RunhooksEngine

@testable import RunhooksServer

@Suite struct TargetGuardTests {
    /// A resolver double: names map to fixed addresses, as a DNS zone would.
    static let zone: [String: [IPAddress]] = [
        "internal.example.com": [.v4(0x0A00_0005)],
        "dual.example.com": [.v4(0x5DB8_D822), IPAddress(host: "::1")!],
        "public.example.com": [.v4(0x5DB8_D822)],
    ]
    let guardrail = TargetGuard(allowPrivateTargets: false) { host in TargetGuardTests.zone[host] ?? [] }

    @Test func namesThatResolveToPrivateAddressesAreRefused() async throws {
        await #expect {
            try await guardrail.check("https://internal.example.com/hook", field: "httpConfig.url")
        } throws: { error in
            (error as? ValidationError)?.message == "host internal.example.com resolves to a private address (10.0.0.5)"
        }
        // One non-public address among several is enough to refuse.
        await #expect(throws: ValidationError.self) {
            try await guardrail.check("https://dual.example.com/", field: "target")
        }
    }

    @Test func publicAndUnresolvableNamesAreAccepted() async throws {
        try await guardrail.check("https://public.example.com/hook", field: "httpConfig.url")
        try await guardrail.check("https://not-registered-yet.example.com/", field: "httpConfig.url")
    }

    @Test func allowPrivateTargetsLiftsTheGuardButNotTheShapeRules() async throws {
        let permissive = TargetGuard(allowPrivateTargets: true) { _ in [.v4(0x7F00_0001)] }
        try await permissive.check("http://127.0.0.1:8080/x", field: "httpConfig.url")
        try await permissive.check("http://internal.example.com/", field: "httpConfig.url")
        await #expect(throws: ValidationError.self) { try await permissive.check("ftp://x.example/", field: "httpConfig.url") }
    }

    @Test func theHostHeaderNamesThePortOnlyWhenItIsNotTheSchemesAndBracketsIPv6() async throws {
        let permissive = TargetGuard(allowPrivateTargets: true) { _ in [.v4(0x5DB8_D822)] }
        for (url, host, target) in [
            ("http://127.0.0.1/", "127.0.0.1", "/"), ("http://127.0.0.1:8080/x?y=1", "127.0.0.1:8080", "/x?y=1"),
            ("https://Public.Example.com/hook", "public.example.com", "/hook"),
            ("https://public.example.com:80/", "public.example.com:80", "/"),
            ("http://[::1]/", "[::1]", "/"), ("http://[::1]:8080/", "[::1]:8080", "/"),
            ("https://Bücher.example/ü", "xn--bcher-kva.example", "/%C3%BC"),
        ] {
            let pinned = try await permissive.pin(url).get()
            #expect(pinned.hostHeader == host, "\(url)")
            #expect(pinned.requestTarget == target, "\(url)")
        }
    }

    /// A job stored before a rule it breaks is refused when it fires, saying which rule.
    @Test func aTargetThatBreaksTheURLRulesIsRefusedWithTheRule() async {
        let permissive = TargetGuard(allowPrivateTargets: true) { _ in [.v4(0x5DB8_D822)] }
        guard case .failure(let refusal) = await permissive.pin("https://user:secret@public.example.com/") else {
            Issue.record("a URL with credentials was pinned")
            return
        }
        #expect(refusal.isPolicy)
        #expect(refusal.message.contains("must not contain a user name or password"), "\(refusal.message)")
    }

    @Test func systemResolverFindsLocalhost() async {
        let addresses = await TargetGuard.systemResolve("localhost")
        #expect(addresses.contains { $0.nonPublicReason == "a loopback address" })
    }

    /// A resolver stuck on unreachable name servers: the answer is "nothing" once the time limit
    /// passes, not whenever the lookup returns (here: only after the test has its answer).
    @Test func aHangingResolverIsNotWaitedForPastItsTimeLimit() async {
        let release = DispatchSemaphore(value: 0)
        let addresses = await TargetGuard.systemResolve("hangs.example", timeLimit: .milliseconds(50)) { _ in
            release.wait()
            return [.v4(0x5DB8_D822)]
        }
        release.signal()
        #expect(addresses.isEmpty)
        let quick = await TargetGuard.systemResolve("quick.example", timeLimit: .seconds(60)) { _ in [.v4(0x5DB8_D822)] }
        #expect(quick == [.v4(0x5DB8_D822)])
    }
}
