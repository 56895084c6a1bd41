import XCTest
@testable import DistillLab

/// The commit a run records, read from the checkout without a subprocess.
final class RunEnvironmentTests: XCTestCase {
    /// A loose ref, a packed ref and a worktree (`.git` a file, refs in the common dir) all give the commit.
    func testTheCommitIsReadFromAFolderAPackedRefOrAWorktree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("git-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        func write(_ text: String, _ path: String) throws {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let loose = String(repeating: "a", count: 40), packed = String(repeating: "b", count: 40)
        let detached = String(repeating: "c", count: 40)
        try write("ref: refs/heads/main\n", "main/.git/HEAD")
        try write(loose + "\n", "main/.git/refs/heads/main")
        try write("# pack-refs with: peeled\n\(packed) refs/heads/old\n", "main/.git/packed-refs")
        XCTAssertEqual(RunEnvironment.gitCommit(checkout: root.appendingPathComponent("main")), loose)

        // A worktree on branch `old` (packed in the common dir), by a relative and an absolute gitdir.
        try write("ref: refs/heads/old\n", "main/.git/worktrees/wt/HEAD")
        try write("../..\n", "main/.git/worktrees/wt/commondir")
        try write("gitdir: ../main/.git/worktrees/wt\n", "wt/.git")
        XCTAssertEqual(RunEnvironment.gitCommit(checkout: root.appendingPathComponent("wt")), packed)
        try write("gitdir: \(root.path)/main/.git/worktrees/wt\n", "wt/.git")
        XCTAssertEqual(RunEnvironment.gitCommit(checkout: root.appendingPathComponent("wt")), packed)
        // A worktree whose branch has a loose ref in the common dir; then a detached one.
        try write("ref: refs/heads/main\n", "main/.git/worktrees/wt/HEAD")
        XCTAssertEqual(RunEnvironment.gitCommit(checkout: root.appendingPathComponent("wt")), loose)
        try write(detached + "\n", "main/.git/worktrees/wt/HEAD")
        XCTAssertEqual(RunEnvironment.gitCommit(checkout: root.appendingPathComponent("wt")), detached)
        XCTAssertNil(RunEnvironment.gitCommit(checkout: root.appendingPathComponent("nothing")))
    }
}
