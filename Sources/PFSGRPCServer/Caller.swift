/// Who the current RPC comes from, as the auth interceptor found it.
enum Caller {
    /// The subject of the RPC's token; nil when auth is off or the RPC carried none.
    @TaskLocal static var subject: String?
}
