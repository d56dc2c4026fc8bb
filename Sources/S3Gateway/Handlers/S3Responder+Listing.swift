import Foundation
import HTTPTypes
import Hummingbird
import PFS
import PFSClient

extension S3Responder {
    /// A v2 continuation token: the commit of the first page and the last key or prefix returned,
    /// so a paginated walk never mixes two states of a moving branch.
    struct ContinuationToken: Equatable {
        var commit: CommitID?
        var after: String

        var encoded: String {
            Data("1\n\(commit?.rawValue ?? "-")\n\(after)".utf8).base64EncodedString()
        }

        init(commit: CommitID?, after: String) {
            self.commit = commit
            self.after = after
        }

        init(decoding token: String) throws {
            guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else {
                throw S3Error.invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "1", parts[1] == "-" || CommitID(String(parts[1])) != nil else {
                throw S3Error.invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            commit = CommitID(String(parts[1]))
            after = String(parts[2])
        }
    }

    func listObjects(_ name: String, _ p: S3Operation.ListObjectsParameters, v2: Bool) async throws -> Response {
        let (bucket, head) = try await existingBucketAndHead(name)
        var commit: CommitID?
        var startAfter: String?
        if v2, let token = p.continuationToken {
            let t = try ContinuationToken(decoding: token)
            commit = t.commit
            startAfter = t.after
        } else {
            commit = head
            startAfter = v2 ? p.startAfter : p.marker
        }
        var page = ListPage(files: [], commonPrefixes: [], isTruncated: false, nextMarker: nil)
        if let commit, p.maxKeys > 0 {
            page = try await client.listFiles(
                .commit(bucket.repo, commit), prefix: p.prefix, startAfter: startAfter, delimiter: p.delimiter, limit: p.maxKeys)
        }
        let owner = (!v2 || p.fetchOwner) ? Self.owner : nil
        let contents = page.files.map { f in
            var o = S3ObjectSummary(
                key: f.path, lastModified: f.entry?.modified ?? Date(timeIntervalSince1970: 0), etag: f.entry?.etag ?? "", size: f.size, owner: owner)
            o.checksum = f.entry?.checksum?.s3Kind
            return o
        }
        let version: S3ListBucketResult.Version
        if v2 {
            let next = page.isTruncated ? page.nextMarker.map { ContinuationToken(commit: commit, after: $0).encoded } : nil
            version = .v2(startAfter: p.startAfter, continuationToken: p.continuationToken, nextContinuationToken: next)
        } else {
            version = .v1(marker: p.marker, nextMarker: page.isTruncated ? page.nextMarker : nil)
        }
        let result = S3ListBucketResult(
            name: name, prefix: p.prefix, delimiter: p.delimiter, maxKeys: p.maxKeys, isTruncated: page.isTruncated, encodingURL: p.encodingURL,
            version: version, contents: contents, commonPrefixes: page.commonPrefixes)
        return Self.xml(result.xml())
    }
}

extension S3Responder {
    /// ListObjectVersions: per key, the commits that changed it (newest first), deletions as delete markers.
    func listObjectVersions(_ name: String, _ p: S3Operation.ListVersionsParameters) async throws -> Response {
        let (bucket, head) = try await existingBucketAndHead(name)
        var page = VersionPage(versions: [], commonPrefixes: [], isTruncated: false, nextKeyMarker: nil, nextVersionMarker: nil)
        if let head {
            page = try await client.listVersions(
                .commit(bucket.repo, head), prefix: p.prefix, keyMarker: p.keyMarker, versionMarker: p.versionIdMarker, delimiter: p.delimiter,
                limit: p.maxKeys)
        }
        let entries: [S3ListVersionsResult.Entry] = page.versions.map { v in
            if let e = v.entry {
                .version(
                    S3ObjectVersion(
                        key: v.path, versionId: v.commit.rawValue, isLatest: v.isLatest, lastModified: e.modified, etag: e.etag, size: e.size,
                        owner: Self.owner, checksum: e.checksum?.s3Kind))
            } else {
                .deleteMarker(S3DeleteMarkerEntry(key: v.path, versionId: v.commit.rawValue, isLatest: v.isLatest, lastModified: v.time, owner: Self.owner))
            }
        }
        let result = S3ListVersionsResult(
            name: name, prefix: p.prefix, keyMarker: p.keyMarker, versionIdMarker: p.versionIdMarker,
            nextKeyMarker: page.nextKeyMarker, nextVersionIdMarker: page.nextVersionMarker, maxKeys: p.maxKeys, delimiter: p.delimiter,
            isTruncated: page.isTruncated, encodingURL: p.encodingURL, entries: entries, commonPrefixes: page.commonPrefixes)
        return Self.xml(result.xml())
    }
}
