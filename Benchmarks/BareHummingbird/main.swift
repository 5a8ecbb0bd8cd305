// The reference for the API benchmark: a Hummingbird 2 server with one route and nothing else
// (no middleware, no store), answering `GET /job` with a fixed JSON body the size of a job.
// Run: swift run -c release BareHummingbird [PORT]   (default 18300)
import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 18300
let body = """
    {"success":true,"data":{"id":"6650f0c2a1b2c3d4e5f60718","name":"Sync","status":"active",\
    "scheduleType":"interval","schedule":"every 60 seconds","timezone":"UTC",\
    "httpConfig":{"url":"https://example.com/hook","method":"POST","timeoutMs":30000}},"message":"ok"}
    """
let router = Router()
router.get("job") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
