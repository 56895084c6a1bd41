import Foundation
import XCTest

/// Drives Debian's headless Chromium over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands on the browser's fd 3, replies and
/// events on fd 4, each message NUL-terminated JSON). Unlike `--dump-dom`,
/// this sees console errors as structured events — uncaught exceptions
/// (`Runtime.exceptionThrown`), `console.error`/`console.assert`
/// (`Runtime.consoleAPICalled`) and browser-side errors such as blocked or
/// failed loads (`Log.entryAdded` at level "error") — and takes a full-page
/// screenshot in the same session.
final class HeadlessChromium: @unchecked Sendable {

    struct Page {
        /// `document.documentElement.outerHTML` after the load event.
        var dom: String
        /// A full-page PNG.
        var screenshot: Data
        /// Every console error, uncaught exception and error log entry.
        var consoleErrors: [String]
        /// All console messages of any level, for diagnostics.
        var consoleMessages: [String]
        /// The string values of the `evaluate` expressions, in order (after the load, before the screenshot).
        var evaluations: [String] = []
        /// A PNG of each `elementShots` selector's first element, keyed by selector.
        var elementShots: [String: Data] = [:]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The Chromium binary ($CHROMIUM, else chromium on the usual paths), or nil.
    static var executable: String? {
        if let override = ProcessInfo.processInfo.environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: override) {
            return override
        }
        return ["/usr/bin/chromium", "/usr/local/bin/chromium", "/usr/bin/chromium-browser"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Skips the calling test when Chromium is not installed (the only reason to skip).
    static func requireExecutable() throws -> String {
        guard let path = executable else {
            throw XCTSkip("chromium is not installed (apt-get install chromium; .ci/install-deps does it)")
        }
        return path
    }

    private let process = Process()
    private let toBrowser = Pipe()
    private let fromBrowser = Pipe()
    private let profile: URL
    private let condition = NSCondition()
    private var messages: [[String: Any]] = []
    private var closed = false
    private var nextID = 0
    let stderrLog: URL

    /// Launches Chromium with a fresh profile and a blank page.
    init(executable: String, windowWidth: Int = 1280, windowHeight: Int = 1000) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("distill-report-chromium-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        stderrLog = profile.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stderrLog.path, contents: nil)
        // The shell hands our pipes to the browser as fds 3 (commands) and 4 (replies).
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null >/dev/null", executable,
                             "--headless=new", "--disable-gpu", "--no-sandbox", "--remote-debugging-pipe",
                             "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
                             "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
                             "--window-size=\(windowWidth),\(windowHeight)", "about:blank"]
        process.standardInput = toBrowser
        process.standardOutput = fromBrowser
        process.standardError = try FileHandle(forWritingTo: stderrLog)
        try process.run()
        let reader = fromBrowser.fileHandleForReading
        Thread.detachNewThread { [self] in
            var buffer = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let end = buffer.firstIndex(of: 0) {
                    let message = buffer[buffer.startIndex..<end]
                    buffer = Data(buffer[(end + 1)...])
                    if let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any] {
                        condition.lock(); messages.append(object); condition.broadcast(); condition.unlock()
                    }
                }
            }
            condition.lock(); closed = true; condition.broadcast(); condition.unlock()
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends a command and waits for its reply's `result`.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: TimeInterval = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var command: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { command["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: command)
        data.append(0)
        try toBrowser.fileHandleForWriting.write(contentsOf: data)
        let reply = try wait(timeout: timeout, what: method) { ($0["id"] as? Int) == id }
        if let error = reply["error"] as? [String: Any] {
            throw Failure(description: "\(method) failed: \(error["message"] ?? error)")
        }
        return reply["result"] as? [String: Any] ?? [:]
    }

    /// Waits for the first message matching `predicate` (replies and events alike).
    func wait(timeout: TimeInterval, what: String, _ predicate: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let found = messages.first(where: predicate) { return found }
            if closed { throw Failure(description: "Chromium closed the pipe while waiting for \(what); see \(stderrLog.path)") }
            if !condition.wait(until: deadline) { throw Failure(description: "timed out after \(timeout) s waiting for \(what)") }
        }
    }

    /// Events received so far with `method`.
    func events(_ method: String) -> [[String: Any]] {
        condition.lock(); defer { condition.unlock() }
        return messages.filter { ($0["method"] as? String) == method }
    }

    /// Opens `url` in a new tab, waits for the load event (and a moment for
    /// late errors), then reads the DOM, evaluates each of `evaluate` (through
    /// the DevTools protocol, which the page's Content-Security-Policy does not
    /// govern; each should return a string), takes a full-page screenshot and
    /// collects the errors.
    func open(_ url: URL, settle: TimeInterval = 0.5, timeout: TimeInterval = 60, evaluate: [String] = [],
              elementShots: [String] = []) throws -> Page {
        let target = try call("Target.createTarget", ["url": "about:blank"])
        guard let targetId = target["targetId"] as? String else { throw Failure(description: "no targetId in \(target)") }
        let attached = try call("Target.attachToTarget", ["targetId": targetId, "flatten": true])
        guard let session = attached["sessionId"] as? String else { throw Failure(description: "no sessionId in \(attached)") }
        // Listen before navigating so nothing the page does on load is missed.
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] { try call(domain, session: session) }
        let navigation = try call("Page.navigate", ["url": url.absoluteString], session: session)
        if let error = navigation["errorText"] as? String { throw Failure(description: "navigation to \(url) failed: \(error)") }
        _ = try wait(timeout: timeout, what: "Page.loadEventFired") {
            ($0["method"] as? String) == "Page.loadEventFired" && ($0["sessionId"] as? String) == session
        }
        Thread.sleep(forTimeInterval: settle)
        let evaluated = try call("Runtime.evaluate", ["expression": "document.documentElement.outerHTML", "returnByValue": true], session: session)
        let dom = (evaluated["result"] as? [String: Any])?["value"] as? String ?? ""
        var evaluations: [String] = []
        for expression in evaluate {
            let reply = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
            if let exception = reply["exceptionDetails"] { throw Failure(description: "evaluating \(expression.prefix(60))… threw \(exception)") }
            evaluations.append((reply["result"] as? [String: Any])?["value"] as? String ?? "")
        }
        let metrics = try call("Page.getLayoutMetrics", session: session)
        let size = (metrics["cssContentSize"] ?? metrics["contentSize"]) as? [String: Any] ?? [:]
        let width = (size["width"] as? Double) ?? 1280, height = (size["height"] as? Double) ?? 1000
        let shot = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                       "clip": ["x": 0, "y": 0, "width": width, "height": height, "scale": 1]],
                            session: session)
        guard let base64 = shot["data"] as? String, let png = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot data")
        }
        var shots: [String: Data] = [:]
        for selector in elementShots {
            // The element's box in page coordinates (the clip is in page, not viewport, coordinates).
            let quoted = String(decoding: try JSONSerialization.data(withJSONObject: [selector]), as: UTF8.self)
            let expression = "(() => { const e = document.querySelector(\(quoted)[0]); if (!e) return ''; const r = e.getBoundingClientRect(); return JSON.stringify([r.left + scrollX, r.top + scrollY, r.width, r.height]); })()"
            let reply = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
            guard let text = (reply["result"] as? [String: Any])?["value"] as? String, !text.isEmpty,
                  let box = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Double], box.count == 4 else { continue }
            let shot = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                           "clip": ["x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1]],
                                session: session)
            if let base64 = shot["data"] as? String, let png = Data(base64Encoded: base64) { shots[selector] = png }
        }
        let (errors, all) = consoleReport(session: session)
        return Page(dom: dom, screenshot: png, consoleErrors: errors, consoleMessages: all, evaluations: evaluations, elementShots: shots)
    }

    /// Errors and all console messages of one session, as readable lines.
    private func consoleReport(session: String) -> (errors: [String], all: [String]) {
        var errors: [String] = [], all: [String] = []
        func inSession(_ m: [String: Any]) -> Bool { (m["sessionId"] as? String) == session }
        for m in events("Runtime.exceptionThrown") where inSession(m) {
            let details = (m["params"] as? [String: Any])?["exceptionDetails"] as? [String: Any] ?? [:]
            let exception = details["exception"] as? [String: Any]
            let text = (exception?["description"] as? String) ?? (details["text"] as? String) ?? "exception"
            let line = "uncaught exception: \(text) at \(details["url"] ?? "?"):\(details["lineNumber"] ?? "?")"
            errors.append(line); all.append(line)
        }
        for m in events("Runtime.consoleAPICalled") where inSession(m) {
            let params = m["params"] as? [String: Any] ?? [:]
            let type = params["type"] as? String ?? "log"
            let args = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
            let line = "console.\(type): " + args.joined(separator: " ")
            all.append(line)
            if type == "error" || type == "assert" { errors.append(line) }
        }
        for m in events("Log.entryAdded") where inSession(m) {
            let entry = (m["params"] as? [String: Any])?["entry"] as? [String: Any] ?? [:]
            let level = entry["level"] as? String ?? "info"
            let line = "log.\(level) [\(entry["source"] ?? "?")]: \(entry["text"] ?? "") \(entry["url"] ?? "")"
            all.append(line)
            if level == "error" { errors.append(line) }
        }
        return (errors, all)
    }

    /// Asks the browser to quit and waits for it (terminating it after 10 s).
    func close() {
        _ = try? call("Browser.close", timeout: 10)
        let deadline = Date(timeIntervalSinceNow: 10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Launches Chromium, opens one page (evaluating `evaluate` there and
    /// taking `elementShots`), closes the browser.
    static func load(_ url: URL, evaluate: [String] = [], elementShots: [String] = []) throws -> Page {
        let browser = try HeadlessChromium(executable: try requireExecutable())
        defer { browser.close() }
        return try browser.open(url, evaluate: evaluate, elementShots: elementShots)
    }
}

/// Width and height from a PNG's IHDR chunk, or nil if `data` is not a PNG.
func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
    func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20))
}
