import Hummingbird
import RunhooksCore

extension PageDTO where Item: HandWrittenJSON {
    /// `{success, data}` around the page, as `JSONResponse.success` writes it.
    func envelope() -> JSONOutput {
        var output = JSONOutput(capacity: 512 * max(1, data.count))
        output.raw("{\"data\":{\"data\":[")
        for (index, item) in data.enumerated() {
            if index > 0 { output.raw(",") }
            item.write(to: &output)
        }
        output.member("],\"limit\":", limit)
        output.member(",\"page\":", page)
        output.member(",\"total\":", total)
        output.member(",\"totalPages\":", totalPages)
        output.raw("},\"success\":true}")
        return output
    }
}

extension JSONResponse {
    /// A page of jobs or executions, written by hand: the encoder cost more than reading the
    /// page from the store.
    static func success(page: PageDTO<some HandWrittenJSON>) -> Response {
        written(page.envelope())
    }
}
