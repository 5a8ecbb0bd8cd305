// The floor under a fire's CPU on this stack: N "jobs" firing every second, spread over the
// second, each an HTTP/1.1 POST on a kept-alive SwiftNIO connection (NIOHTTP1's encoder and
// decoder, a timer on the event loop per fire, two event loops as the engine's delivery loops
// have), with nothing else: no schedule beyond the timer, no store, no tenant, no signing, no
// Swift task. Like the server (`--send-window-ms`, 4 by default), requests due within one
// window of `--window-ms` leave together at its end, one loop wake-up for all of them.
// Prints its own CPU per request over a window, as the APScheduler peer does.
//
//   DeliveryFloor --jobs 2000 --url http://127.0.0.1:18999/hit --duration 23 --warmup 8 --window-ms 4
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

struct Arguments {
    var jobs = 2000
    var url = "http://127.0.0.1:18999/hit"
    var duration = 23.0
    var warmup = 8.0
    var windowMs: Int64 = 4

    init() {
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let name = iterator.next() {
            guard let value = iterator.next() else { fatalError("\(name) needs a value") }
            switch name {
            case "--jobs": jobs = Int(value)!
            case "--url": url = value
            case "--duration": duration = Double(value)!
            case "--warmup": warmup = Double(value)!
            case "--window-ms": windowMs = Int64(value)!
            default: fatalError("unknown argument \(name)")
            }
        }
    }
}

/// One event loop's idle connections and count of answers; touched only on that loop.
final class LoopState: @unchecked Sendable {
    let loop: any EventLoop
    var idle: [any Channel] = []
    var answered = 0

    init(loop: any EventLoop) {
        self.loop = loop
    }
}

final class AnswerHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let state: LoopState

    init(state: LoopState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            state.answered += 1
            state.idle.append(context.channel)
        }
    }
}

let arguments = Arguments()
let target = URL(string: arguments.url)!
let host = target.host ?? "127.0.0.1"
let port = target.port ?? 80
let path = target.path.isEmpty ? "/" : target.path
let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
let states = (0..<2).map { _ in LoopState(loop: group.next()) }
let body = ByteBuffer(string: "{}")

func send(on channel: any Channel, job: Int, slotMs: Int64) {
    var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
    head.headers.add(name: "Host", value: "\(host):\(port)")
    head.headers.add(name: "User-Agent", value: "DeliveryFloor/1")
    head.headers.add(name: "Content-Type", value: "application/json")
    head.headers.add(name: "Content-Length", value: "2")
    head.headers.add(name: "Runhooks-Job-Id", value: String(job))
    head.headers.add(name: "Runhooks-Scheduled-At", value: Date(timeIntervalSince1970: Double(slotMs) / 1000).ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true)))
    channel.write(HTTPClientRequestPart.head(head), promise: nil)
    channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
}

func fire(_ state: LoopState, job: Int, slotMs: Int64) {
    if let channel = state.idle.popLast() {
        send(on: channel, job: job, slotMs: slotMs)
        return
    }
    ClientBootstrap(group: state.loop)
        .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(AnswerHandler(state: state))
            }
        }
        .connect(host: host, port: port)
        .whenSuccess { channel in send(on: channel, job: job, slotMs: slotMs) }
}

/// Job `job` fires every second at its offset; the next timer is set from the slot, not from
/// when the last one ran, so nothing drifts.
/// Wall-clock milliseconds and the loop clock at one moment: every send time becomes one
/// deadline, so the fires of a window share it exactly.
let originMs = Int64(Date().timeIntervalSince1970 * 1000)
let origin = NIODeadline.now()

func schedule(_ state: LoopState, job: Int, slotMs: Int64) {
    let window = max(1, arguments.windowMs)
    let sendMs = (slotMs + window - 1) / window * window
    state.loop.scheduleTask(deadline: origin + .milliseconds(sendMs - originMs)) {
        fire(state, job: job, slotMs: slotMs)
        schedule(state, job: job, slotMs: slotMs + 1000)
    }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func answered() throws -> Int {
    try states.map { state in try state.loop.submit { state.answered }.wait() }.reduce(0, +)
}

let startMs = originMs + 1000
for job in 0..<arguments.jobs {
    let state = states[job % states.count]
    let offset = Int64(job) * 1000 / Int64(arguments.jobs)
    try state.loop.submit { schedule(state, job: job, slotMs: startMs + offset) }.wait()
}
Thread.sleep(forTimeInterval: 1 + arguments.warmup)
let (cpu0, count0, wall0) = (cpuSeconds(), try answered(), Date())
Thread.sleep(forTimeInterval: arguments.duration - arguments.warmup)
let (cpu1, count1, wall1) = (cpuSeconds(), try answered(), Date())
let count = count1 - count0
let wall = wall1.timeIntervalSince(wall0)
print(
    "nio-floor (window \(arguments.windowMs) ms) fires/s \(Int((Double(count) / wall).rounded()))  cores \(String(format: "%.2f", (cpu1 - cpu0) / wall))  "
        + "CPU per fire \(Int(((cpu1 - cpu0) / Double(max(count, 1)) * 1e6).rounded())) us")
exit(0)
