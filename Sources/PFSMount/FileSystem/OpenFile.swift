/// One open file: a stored version read by range, or a staged file being written.
enum OpenFile: Sendable {
    case reader(RangeReader)
    case staged(StagedFile)
}
