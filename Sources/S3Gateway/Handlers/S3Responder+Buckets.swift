import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PFS
import PFSClient

extension S3Responder {
    /// The bucket named `name`, which must exist (its branch, and for a pinned bucket its commit).
    func existingBucket(_ name: String) async throws -> BucketName { try await existingBucketAndHead(name).bucket }

    /// The bucket named `name` and the commit a read of it sees now (nil: the branch has no commit
    /// yet), from one look at the branch.
    func existingBucketAndHead(_ name: String) async throws -> (bucket: BucketName, head: CommitID?) {
        guard let bucket = try? BucketName(parsing: name) else { throw S3Error.noSuchBucket(name) }
        do {
            let branch = try await client.inspectBranch(bucket.repo, bucket.branch)
            if let c = bucket.commit {
                _ = try await client.inspectCommit(.commit(bucket.repo, c))
                return (bucket, c)
            }
            return (bucket, branch.head)
        } catch let e as PFSError {
            if case .notFound = e { throw S3Error.noSuchBucket(name) }
            throw S3Error(e, bucket: name)
        }
    }

    /// Every branch as a bucket, in name order; with `max-buckets`, a page at a time, continued after the last
    /// name of the page before (the continuation token carries it).
    func listBuckets(_ p: S3Operation.ListBucketsParameters) async throws -> Response {
        var after: String?
        if let token = p.continuationToken {
            guard let data = Data(base64Encoded: token), let name = String(data: data, encoding: .utf8), !name.isEmpty else {
                throw S3Error.invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            after = name
        }
        var buckets: [S3BucketSummary] = []
        if p.bucketRegion == nil || p.bucketRegion == configuration.region {
            for repo in try await client.listRepos(project: nil) {
                for b in repo.branches {
                    let name = BucketName(repo: repo.repo, branch: b).description
                    if let prefix = p.prefix, !name.hasPrefix(prefix) { continue }
                    if let after, name <= after { continue }
                    buckets.append(S3BucketSummary(name: name, creationDate: repo.created))
                }
            }
        }
        buckets.sort { $0.name < $1.name }
        var next: String?
        if let max = p.maxBuckets, buckets.count > max {
            buckets.removeSubrange(max...)
            next = Data(buckets[max - 1].name.utf8).base64EncodedString()
        }
        return Self.xml(
            S3XMLResponses.listAllMyBuckets(
                owner: Self.owner, buckets: buckets, region: configuration.region, continuationToken: next, prefix: p.prefix))
    }

    func createBucket(_ name: String, request: Request) async throws -> Response {
        try S3BucketNameRules.validate(name)
        let bucket: BucketName
        do {
            bucket = try BucketName(parsing: name)
        } catch let e as PFSError {
            throw S3Error.invalidBucketName(name, reason: e.message)
        }
        if bucket.commit != nil { throw S3Error.invalidBucketName(name, reason: "a commit-pinned bucket cannot be created") }
        let body = request.body
        let config = try await body.collect(upTo: 64 * 1024)
        if config.readableBytes > 0 { _ = try S3XMLRequests.parseCreateBucketConfiguration(Array(buffer: config)) }
        do {
            if (try? await client.inspectRepo(bucket.repo)) == nil { try await client.createRepo(bucket.repo, description: "") }
            try await client.createBranch(bucket.repo, bucket.branch, head: nil, move: false)
        } catch let e as PFSError {
            if case .alreadyExists = e { throw S3Error.bucketAlreadyOwnedByYou(name) }
            throw S3Error(e, bucket: name)
        }
        var headers = HTTPFields()
        headers[.location] = "/" + name
        return Self.empty(.ok, headers: headers)
    }

    func deleteBucket(_ name: String) async throws -> Response {
        let (bucket, head) = try await existingBucketAndHead(name)
        if bucket.isReadOnly { throw S3Error.methodNotAllowed(method: "DELETE", resourceType: "BUCKET") }
        if let head, try await client.inspectCommit(.commit(bucket.repo, head)).fileCount > 0 {
            throw S3Error.bucketNotEmpty(name)
        }
        try await client.deleteBranch(bucket.repo, bucket.branch)
        if try await client.inspectRepo(bucket.repo).branches.isEmpty { try await client.deleteRepo(bucket.repo) }
        return Self.empty(.noContent)
    }

    func headBucket(_ name: String) async throws -> Response {
        _ = try await existingBucket(name)
        var headers = HTTPFields()
        headers[HTTPField.Name("x-amz-bucket-region")!] = configuration.region
        return Self.empty(.ok, headers: headers)
    }

    func getBucketLocation(_ name: String) async throws -> Response {
        _ = try await existingBucket(name)
        return Self.xml(S3XMLResponses.locationConstraint(configuration.region == "us-east-1" ? nil : configuration.region))
    }

    func getBucketVersioning(_ name: String) async throws -> Response {
        _ = try await existingBucket(name)
        return Self.xml(S3XMLResponses.versioningConfiguration(status: "Enabled"))
    }

    /// Versioning is always on: every commit is a version. Enabling is accepted, suspending refused.
    func putBucketVersioning(_ name: String, request: Request) async throws -> Response {
        _ = try await existingBucket(name)
        let body = request.body
        let config = try S3XMLRequests.parseVersioningConfiguration(Array(buffer: try await body.collect(upTo: 64 * 1024)))
        if config.status == .suspended {
            throw S3Error.illegalVersioningConfiguration("pachs3 buckets are always versioned: every commit is a version")
        }
        return Self.empty(.ok)
    }
}
