import RunhooksCore
import Testing

struct JSONDuplicateKeysTests {
    private func duplicate(_ text: String) -> String? {
        JSONDuplicateKeys.firstDuplicate(in: Array(text.utf8))
    }

    @Test func aRepeatedKeyIsNamedByItsPath() {
        #expect(duplicate(#"{"name":"a","name":"b"}"#) == "name")
        #expect(duplicate(#"{"httpConfig":{"url":"u","headers":{"X-A":"1","X-B":"2","X-A":"3"}}}"#) == "httpConfig.headers.X-A")
        #expect(duplicate(#"{"alerts":[{"type":"email"},{"type":"slack","type":"webhook"}]}"#) == "alerts[1].type")
        #expect(duplicate(#"[{"a":1},[{"b":1,"b":2}]]"#) == "[1][0].b")
    }

    @Test func anEscapedKeyIsTheSameKey() {
        #expect(duplicate(#"{"name":"a","n\u0061me":"b"}"#) == "name")
    }

    @Test func distinctKeysAndTheSameKeyInOtherObjectsPass() {
        #expect(duplicate(#"{"a":{"x":1},"b":{"x":2},"c":[{"x":3},{"x":4}]}"#) == nil)
        #expect(duplicate(#"{}"#) == nil)
        #expect(duplicate(#""just a string""#) == nil)
        // Quotes, braces, commas and colons inside strings are text, not structure.
        #expect(duplicate(#"{"a":"{\"a\":1, \"a\":2}","b":"x,\"a\":"}"#) == nil)
        #expect(duplicate(#"{"a\"":1,"a":2,"b":["a","a"]}"#) == nil)
    }
}
