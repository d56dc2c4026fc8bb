import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PFS
import PFSClient

/// Turns each HTTP request into one S3 operation on PFS, and every failure into an S3 error response.
struct S3Responder: HTTPResponder {
    typealias Context = BasicRequestContext

    let client: any PFSClient
    let configuration: S3GatewayConfiguration
    let logger: Logger
    let authState = AuthStateCache()

    static let owner = S3Owner(id: "pachs3", displayName: "pachs3")
    /// The ID of the request being answered, for what is logged after its head is sent (a body that fails).
    @TaskLocal static var requestID = ""
    static let requestIDHeader = HTTPField.Name("x-amz-request-id")!

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = Self.newRequestID()
        var response: Response
        var errorCode: String?
        do {
            response = try await Self.$requestID.withValue(requestID) { try await dispatch(request) }
        } catch {
            let s3: S3Error
            switch error {
            case let e as S3Error: s3 = e
            case let e as PFSError: s3 = S3Error(e)
            default: s3 = .internalError("\(error)")
            }
            // A server fault (a corrupt chunk, a failed read) is the operator's to see, whatever the log level.
            if s3.status == 500 {
                logger.error("request failed", metadata: ["request-id": "\(requestID)", "error": "\(s3.cause ?? s3.description)"])
            }
            errorCode = s3.code
            response = errorResponse(s3, requestID: requestID, resource: request.uri.path)
        }
        response.headers[Self.requestIDHeader] = requestID
        // The line's metadata costs more than the rest of a small GET's bookkeeping: build it only when logged.
        guard logger.logLevel <= .info else { return response }
        let elapsed = ContinuousClock.now - started
        var meta: Logger.Metadata = [
            "request-id": "\(requestID)", "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
        ]
        if let errorCode { meta["error"] = "\(errorCode)" }
        logger.info("s3", metadata: meta)
        return response
    }

    private func errorResponse(_ e: S3Error, requestID: String, resource: String) -> Response {
        var headers = HTTPFields()
        for h in e.headers { if let n = HTTPField.Name(h.name) { headers[n] = h.value } }
        guard e.hasBody else { return Response(status: .init(code: e.status), headers: headers) }
        let err = e.resource == nil ? e.with(resource: resource) : e
        let body = S3XMLResponses.error(err, requestId: requestID)
        headers[.contentType] = "application/xml"
        headers[.contentLength] = String(body.count)
        return Response(status: .init(code: e.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func newRequestID() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// An XML response with status 200.
    static func xml(_ body: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        headers[.contentType] = "application/xml"
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func empty(_ status: HTTPResponse.Status = .ok, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        if status != .noContent && status != .notModified { headers[.contentLength] = "0" }
        return Response(status: status, headers: headers)
    }
}
