import RunhooksCore
import Testing

struct PunycodeTests {
    /// Vectors from Python's `str.encode("punycode")` and RFC 3492's sample strings.
    @Test(arguments: [
        ("münchen", "mnchen-3ya"), ("bücher", "bcher-kva"), ("exämple", "exmple-cua"), ("ü", "tda"), ("aüb-c", "ab-c-0ra"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"), ("ыыы", "01aaa"),
    ])
    func labelsEncodeAsTheRFCDoes(label: String, encoded: String) {
        #expect(Punycode.encode(label) == encoded)
    }

    @Test func hostsKeepTheirASCIILabelsAndEncodeTheOthers() {
        #expect(Punycode.asciiHost("api.example.com") == "api.example.com")
        #expect(Punycode.asciiHost("hooks.Bücher.example") == "hooks.xn--bcher-kva.example")
        #expect(Punycode.asciiHost("MÜNCHEN。de") == "xn--mnchen-3ya.de")
        // "u" followed by a combining diaeresis is composed first: the same name as "ü".
        #expect(Punycode.asciiHost("mu\u{308}nchen.de") == "xn--mnchen-3ya.de")
        #expect(Punycode.asciiHost(String(repeating: "ü", count: 60) + ".de") == nil)
    }
}
