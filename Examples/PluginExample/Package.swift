// swift-tools-version:5.9
import Foundation
import PackageDescription

// A path dependency is known by its folder's name, which is wherever the
// repository was cloned to.
let lab = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardizedFileURL.lastPathComponent.lowercased()

// A plug-in package: its own defense, canary, attack strategy and counter, registered
// with distill-lab's registry, then the whole `distill-lab` command line
// (train, sweep, collect, report, verify, defenses apply) runs with them.
// Nothing in the distill-lab repository is edited.
let package = Package(
    name: "distill-lab-plugins",
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "distill-lab-plugins",
            dependencies: [
                .product(name: "DistillLab", package: lab),
                .product(name: "DistillCore", package: lab),
                .product(name: "DistillNN", package: lab),
                .product(name: "DistillStats", package: lab),
                .product(name: "DistillLabCommands", package: lab),
            ],
            // Gathers this target's `static let component`s into `ComponentCatalogue.all`,
            // so a new component is one new file and main.swift never changes.
            plugins: [.plugin(name: "ComponentCatalogue", package: lab)]
        ),
    ]
)
