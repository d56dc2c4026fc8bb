import Foundation

/// The policy of an S3 POST upload (the base64 JSON of the `policy` field): when it expires and what the form must
/// hold, checked as S3 checks it. Every field of the form but the exempt ones must be named by a condition.
struct S3PostPolicy {
    enum Condition: Equatable {
        /// `{"field": "value"}` or `["eq", "$field", "value"]`.
        case equals(field: String, value: String)
        /// `["starts-with", "$field", "prefix"]`.
        case startsWith(field: String, prefix: String)
        /// `["content-length-range", min, max]`.
        case contentLength(ClosedRange<UInt64>)
    }

    var expiration: Date
    var conditions: [Condition]

    /// Fields no condition needs to name.
    static let exemptFields: Set<String> = ["policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"]

    /// The byte range the file must fall in, if the policy sets one.
    var contentLengthRange: ClosedRange<UInt64>? {
        conditions.lazy.compactMap { if case .contentLength(let r) = $0 { r } else { nil } }.first
    }

    /// Decodes the `policy` field. InvalidPolicyDocument when it is not base64 JSON of that shape.
    init(base64: String) throws(S3Error) {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw Self.invalid("Invalid Policy: Invalid JSON.") }
        guard let text = json["expiration"] as? String, let expiration = Self.date(text) else {
            throw Self.invalid("Invalid Policy: Invalid 'expiration' value: '\(json["expiration"] ?? "")'")
        }
        guard let list = json["conditions"] as? [Any] else { throw Self.invalid("Invalid Policy: Policy missing condition list.") }
        self.expiration = expiration
        conditions = []
        for item in list { conditions.append(try Self.condition(item)) }
    }

    private static func condition(_ item: Any) throws(S3Error) -> Condition {
        if let object = item as? [String: Any] {
            guard object.count == 1, let (name, value) = object.first, let text = value as? String else {
                throw invalid("Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
            }
            return .equals(field: name.hasPrefix("$") ? String(name.dropFirst()) : name, value: text)
        }
        guard let array = item as? [Any], array.count == 3, let op = (array[0] as? String)?.lowercased() else {
            throw invalid("Invalid Policy: Invalid Condition: conditions must be objects or three-element lists.")
        }
        if op == "content-length-range" {
            guard let low = number(array[1]), let high = number(array[2]), low <= high else {
                throw invalid("Invalid Policy: Invalid content-length-range: bounds must be integers, the lower not above the upper.")
            }
            return .contentLength(low...high)
        }
        guard let field = array[1] as? String, field.hasPrefix("$"), let value = array[2] as? String else {
            throw invalid("Invalid Policy: Invalid Condition: the field must start with $ and the value be a string.")
        }
        switch op {
        case "eq": return .equals(field: String(field.dropFirst()), value: value)
        case "starts-with": return .startsWith(field: String(field.dropFirst()), prefix: value)
        default: throw invalid("Invalid Policy: Invalid Condition: unknown operation '\(op)'.")
        }
    }

    private static func number(_ value: Any) -> UInt64? {
        if let n = value as? NSNumber, n.int64Value >= 0, Double(n.int64Value) == n.doubleValue { return UInt64(n.int64Value) }
        if let s = value as? String { return UInt64(s) }
        return nil
    }

    private static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text) ?? plain.date(from: text)
    }

    private static func invalid(_ message: String) -> S3Error { .invalidPolicyDocument(message) }

    /// Checks the form against the policy at `now`: AccessDenied naming the failed condition, an expired policy or a
    /// field no condition names. The bucket counts as a field.
    func check(_ fields: [(name: String, value: String)], bucket: String, now: Date) throws(S3Error) {
        if now > expiration { throw .accessDenied("Invalid according to Policy: Policy expired.") }
        func value(_ field: String) -> String? {
            if field.lowercased() == "bucket" { return bucket }
            return fields.first { $0.name.lowercased() == field.lowercased() }?.value
        }
        var named: Set<String> = ["bucket"]
        for c in conditions {
            switch c {
            case .equals(let field, let expected):
                named.insert(field.lowercased())
                if value(field) != expected {
                    throw .accessDenied("Invalid according to Policy: Policy Condition failed: [\"eq\", \"$\(field)\", \"\(expected)\"]")
                }
            case .startsWith(let field, let prefix):
                named.insert(field.lowercased())
                // As S3: for Content-Type, each of a comma-separated list must start with the prefix.
                let given = value(field) ?? ""
                let values = field.lowercased() == "content-type" ? given.split(separator: ",").map(String.init) : [given]
                if !values.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }) {
                    throw .accessDenied("Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$\(field)\", \"\(prefix)\"]")
                }
            case .contentLength:
                break
            }
        }
        for f in fields {
            let name = f.name.lowercased()
            if Self.exemptFields.contains(name) || name.hasPrefix("x-ignore-") || named.contains(name) { continue }
            throw .accessDenied("Invalid according to Policy: Extra input fields: \(f.name)")
        }
    }
}
