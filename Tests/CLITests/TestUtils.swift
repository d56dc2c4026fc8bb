import Foundation

/// The pachs3 binary under test: $PACHS3_BIN, else the debug build of this package.
let pachs3Binary: String = {
    if let p = ProcessInfo.processInfo.environment["PACHS3_BIN"], !p.isEmpty { return p }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/pachs3").path
}()

func temporaryDirectory(_ label: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

struct CommandResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs pachs3 with `args` on the data directory `data`, feeding `input` to stdin.
@discardableResult
func pachs3(_ args: [String], data: String, input: Data? = nil) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: pachs3Binary)
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["PACHS3_DATA"] = data
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    let inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    let writer = Thread {
        if let input { inp.fileHandleForWriting.write(input) }
        try? inp.fileHandleForWriting.close()
    }
    writer.start()
    // Read both pipes to the end before waiting, so a large output cannot block the child.
    let errBox = DataBox()
    let errDone = DispatchSemaphore(value: 0)
    let errReader = Thread {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        errDone.signal()
    }
    errReader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    errDone.wait()
    return CommandResult(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errBox.data, as: UTF8.self))
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// The generator the write loop uses, to regenerate the bytes it put.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var g = SplitMix64(seed: seed)
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            let v = g.next()
            for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
        }
        return Array(out.prefix(count))
    }
}
