import Foundation

/// The mounts this process sees (/proc/self/mountinfo).
enum MountTable {
    /// The `major:minor` of the latest mount at `path`, from /proc/self/mountinfo.
    static func device(mountedAt path: String) -> String? {
        guard let info = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        var found: String?
        for line in info.split(separator: "\n") {
            // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ...
            let fields = line.split(separator: " ", maxSplits: 5)
            if fields.count >= 5, unescape(fields[4]) == path { found = String(fields[2]) }
        }
        return found
    }

    /// A mountinfo path with its octal escapes (`\040` for a space, …) decoded.
    static func unescape(_ field: Substring) -> String {
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
                let v = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
