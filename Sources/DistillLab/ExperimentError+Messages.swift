import Foundation
import DistillCore

extension ExperimentError {
    /// The most quoted input an error message shows (a 50 MB file or a
    /// 10,000-deep override must not become a 50 MB message).
    public static let quoteLimit = QuotedInput.limit

    /// `text` in quotes, cut to `limit` characters with the full length stated;
    /// control characters (NUL, escapes) are shown escaped (see `QuotedInput`).
    public static func quote(_ text: String, limit: Int = quoteLimit) -> String {
        QuotedInput.quote(text, limit: limit)
    }

    /// A file-system error as one short reason ("Read-only file system",
    /// "Permission denied"), not Foundation's NSCocoaErrorDomain dump.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        switch ns.code {
        case NSFileWriteVolumeReadOnlyError: return "Read-only file system"
        case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "Permission denied"
        case NSFileWriteOutOfSpaceError: return "No space left on device"
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "No such file or directory"
        default: return ns.localizedDescription
        }
    }
}
