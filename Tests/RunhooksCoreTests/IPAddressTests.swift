import Testing

@testable import RunhooksCore

@Suite struct IPAddressTests {
    @Test func networksParseAndContain() throws {
        let private10 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(private10.contains(IPAddress(host: "10.200.3.4")!) && !private10.contains(IPAddress(host: "11.0.0.1")!))
        #expect(private10.contains(IPAddress(host: "::ffff:10.1.1.1")!))
        let documentation = try #require(IPNetwork("2001:db8::/33"))
        #expect(documentation.contains(IPAddress(host: "2001:db8:7fff::1")!))
        #expect(!documentation.contains(IPAddress(host: "2001:db8:8000::1")!))
        #expect(IPNetwork("192.0.2.7")?.description == "192.0.2.7/32")
        #expect(IPNetwork("0.0.0.0/0")?.contains(IPAddress(host: "8.8.8.8")!) == true)
        for invalid in ["", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "example.com", "10.0.0.0/8/8"] {
            #expect(IPNetwork(invalid) == nil, "\(invalid)")
        }
    }

    @Test func theClientIsTheNearestForwardedHopThatIsNotATrustedProxy() {
        let trusted = [IPNetwork("10.0.0.0/8")!, IPNetwork("fd00::/8")!]
        func client(_ peer: String, _ forwardedFor: [String]) -> String {
            ClientAddress.resolve(peer: peer, headerValues: forwardedFor, trustedProxies: trusted)
        }
        #expect(client("10.0.0.2", ["203.0.113.5"]) == "203.0.113.5")
        #expect(client("10.0.0.2", ["1.1.1.1, 203.0.113.5, 10.0.0.9"]) == "203.0.113.5")
        #expect(client("10.0.0.2", ["1.1.1.1", "203.0.113.5"]) == "203.0.113.5")
        #expect(client("fd00::2", ["2001:db8::5"]) == "2001:db8::5")
        #expect(client("198.51.100.1", ["203.0.113.5"]) == "198.51.100.1")
        #expect(client("10.0.0.2", []) == "10.0.0.2")
        #expect(client("10.0.0.2", ["10.0.0.3"]) == "10.0.0.3")
        #expect(client("10.0.0.2", ["unknown, 10.0.0.3"]) == "10.0.0.3")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", headerValues: ["203.0.113.5"], trustedProxies: []) == "10.0.0.2")
    }

    @Test func aForwardedHeaderNamesEachHopByItsForParameter() {
        let hops = ForwardingHeader.forwarded.hops(in: [
            "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
            "for=\"192.0.2.43:47011\";host=example.com, by=10.0.0.1, for=unknown, for=_hidden",
        ])
        #expect(hops == ["192.0.2.60", "2001:db8:cafe::17", "192.0.2.43", "", "unknown", "_hidden"])
        #expect(ForwardingHeader.forwarded.hops(in: ["for=\"[2001:db8::1]\""]) == ["2001:db8::1"])
        #expect(ForwardingHeader.xForwardedFor.hops(in: ["1.1.1.1, 2.2.2.2", "3.3.3.3"]) == ["1.1.1.1", "2.2.2.2", "3.3.3.3"])
    }

    @Test func behindProxiesThatSetForwardedTheClientIsItsNearestUntrustedFor() {
        let trusted = [IPNetwork("10.0.0.0/8")!]
        func client(_ peer: String, _ forwarded: [String]) -> String {
            ClientAddress.resolve(peer: peer, headerValues: forwarded, trustedProxies: trusted, header: .forwarded)
        }
        #expect(client("10.0.0.2", ["for=203.0.113.5"]) == "203.0.113.5")
        #expect(client("10.0.0.2", ["for=1.1.1.1, for=\"[2001:db8::5]:80\";proto=https, for=10.0.0.9"]) == "2001:db8::5")
        #expect(client("10.0.0.2", ["for=_hidden, for=10.0.0.3"]) == "10.0.0.3")
        #expect(client("10.0.0.2", ["by=10.0.0.3"]) == "10.0.0.2")
        #expect(client("198.51.100.1", ["for=203.0.113.5"]) == "198.51.100.1")
    }

    @Test func rateLimitsCountAnIPv6ClientByItsSlash64() {
        let key = IPAddress.rateLimitKey(forClient:)
        #expect(key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(key("2001:db8:1:2:bbbb:cccc:dddd:9") == "2001:db8:1:2::/64")
        #expect(key("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(key("::1") == "::/64")
        #expect(key("::ffff:10.0.0.1") == "10.0.0.1")
        #expect(key("10.0.0.1") == "10.0.0.1")
        #expect(key("unknown") == "unknown")
    }

    @Test(arguments: [
        "127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7f.1", "127.0.0.1.", "[::1]",
        "::ffff:127.0.0.1", "[::ffff:7f00:1]", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "fe80::1", "fc00::1", "ff02::1",
        "::", "64:ff9b::7f00:1", "2002:7f00:1::1", "198.18.0.1", "192.0.2.10", "fe80::1%25eth0",
    ])
    func nonPublicSpellingsAreRecognised(host: String) throws {
        let address = try #require(IPAddress(host: host))
        #expect(address.nonPublicReason != nil)
    }

    @Test(arguments: ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "1.1.1.1", "[2001:4860:4860::8888]"])
    func publicAddressesPass(host: String) throws {
        let address = try #require(IPAddress(host: host))
        #expect(address.nonPublicReason == nil)
    }

    @Test func inetAtonForms() {
        #expect(IPAddress(host: "127.1") == .v4(0x7F00_0001))
        #expect(IPAddress(host: "2130706433") == .v4(0x7F00_0001))
        #expect(IPAddress(host: "0x7f000001") == .v4(0x7F00_0001))
        #expect(IPAddress(host: "0177.0.0.01") == .v4(0x7F00_0001))
        #expect(IPAddress(host: "1.2.3") == .v4(0x0102_0003))
        #expect(IPAddress(host: "256.1.1.1") == nil)
        #expect(IPAddress(host: "1.2.3.4.5") == nil)
        #expect(IPAddress(host: "example.com") == nil)
        #expect(IPAddress(host: "08.1.1.1") == nil)
    }

    @Test func descriptions() {
        #expect(IPAddress(host: "127.1")?.description == "127.0.0.1")
        #expect(IPAddress(host: "::1")?.description == "::1")
        #expect(IPAddress(host: "2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
    }
}

@Suite struct TargetURLTests {
    @Test(arguments: [
        ("http://127.1/", "loopback"), ("http://localhost:8080/x", "loopback name"), ("http://api.localhost/", "loopback name"),
        ("http://[::1]:80/", "loopback"), ("https://10.0.0.1/hook", "private"), ("http://169.254.169.254/latest", "link-local"),
    ])
    func literalAndLocalTargetsAreRefusedWithoutDNS(url: String, reason: String) throws {
        let target = try TargetURL(url, field: "httpConfig.url")
        #expect(target.nonPublicReasonWithoutDNS?.contains(reason) == true)
    }

    @Test(arguments: [
        ("ftp://example.com/", "must use http or https"), ("example.com/path", "must be a valid absolute URL"),
        ("http:///path", "must include a host"), ("http://exa mple.com/", "without spaces"), ("", "must not be empty"),
        ("javascript:alert(1)", "must use http or https"), ("http://example.com:99999/", "valid"),
        ("https://user:secret@example.com/", "must not contain a user name or password"),
        ("https://token@example.com/", "must not contain a user name or password"),
    ])
    func malformedURLsAreRefused(url: String, message: String) {
        #expect {
            _ = try TargetURL(url, field: "httpConfig.url")
        } throws: { error in
            guard let error = error as? ValidationError else { return false }
            return error.field == "httpConfig.url" && error.message.contains(message)
        }
    }

    @Test func anInternationalisedHostIsUsedInItsASCIIForm() throws {
        let target = try TargetURL("https://Exämple.com/ü?x=é", field: "httpConfig.url")
        #expect(target.host == "xn--exmple-cua.com")
        #expect(target.url == "https://Exämple.com/ü?x=é")
    }

    @Test func publicNameIsAcceptedWithoutDNS() throws {
        let target = try TargetURL("https://api.example.com/sync?x=1", field: "httpConfig.url")
        #expect(target.host == "api.example.com")
        #expect(target.port == 443)
        #expect(target.nonPublicReasonWithoutDNS == nil)
    }
}
