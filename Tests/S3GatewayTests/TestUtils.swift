import Foundation
@testable import S3Gateway

/// The bytes as a UTF-8 string.
func str(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// `s` as UTF-8 bytes.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The S3 error `body` throws, or nil when it returns (or throws something else).
func s3Error<T>(_ body: () throws -> T) -> S3Error? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? S3Error
    }
}

/// A date from whole milliseconds since 1970.
func date(ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

/// 2026-11-25T10:12:57.000Z
let sampleDate = date(ms: 1_795_601_577_000)

/// The XML declaration every body starts with.
let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
let ns = "http://s3.amazonaws.com/doc/2006-03-01/"
