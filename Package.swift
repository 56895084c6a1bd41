// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "distill-lab",
    products: [
        .executable(name: "distill-lab", targets: ["DistillLabCLI"]),
        .library(name: "DistillLab", targets: ["DistillLab"]),
        // What a plug-in's components touch: matrices and random streams, models.
        .library(name: "DistillCore", targets: ["DistillCore"]),
        .library(name: "DistillNN", targets: ["DistillNN"]),
        .library(name: "DistillStats", targets: ["DistillStats"]),
        // The commands as a library, so a plug-in package can run them with its own components registered.
        .library(name: "DistillLabCommands", targets: ["DistillLabCommands"]),
        // Lists a plug-in package's components at build time (`ComponentCatalogue.all`).
        .plugin(name: "ComponentCatalogue", targets: ["ComponentCatalogue"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already in Hummingbird's graph; named for the server's Channel (bound port) and Logger.
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // System libraries: Debian's OpenBLAS (BLAS dims are Int32) and zlib.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Debian's SQLite: the results database `distill-lab collect` writes.
        .systemLibrary(
            name: "CSQLite3",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Build-time catalogue of built-in components: adding one touches only its own file.
        .executableTarget(name: "ComponentCatalogueTool"),
        .plugin(name: "ComponentCatalogue", capability: .buildTool(), dependencies: ["ComponentCatalogueTool"]),
        // Elementwise kernels Swift does not vectorise well (Adam's vector sqrt).
        .target(name: "CKernels"),
        // Matrices, BLAS wrapper, kernels, seeded random streams, safetensors I/O.
        .target(name: "DistillCore", dependencies: ["COpenBLAS"]),
        // Statistics used by verifiers and detectors (no BLAS).
        .target(name: "DistillStats"),
        // Sweep reports: Markdown/CSV tables and a self-contained HTML page with SVG plots.
        .target(name: "DistillReport", dependencies: ["DistillStats", "DistillCore"]),
        // Layers, MLP, losses, optimizers, the training loop, checkpoints.
        .target(name: "DistillNN", dependencies: ["DistillCore", "CKernels"]),
        // Datasets, loaders (IDX, CSV, gzip), splits.
        .target(name: "DistillData", dependencies: ["DistillCore", "CZlib"]),
        // Oracle, attacker, distillation, metrics, experiment runner.
        .target(name: "DistillLab", dependencies: [
            "DistillCore", "DistillNN", "DistillData", "DistillStats",
            .product(name: "Crypto", package: "swift-crypto"),  // HMAC-SHA256 for keyed canaries
        ], plugins: ["ComponentCatalogue"]),
        // Text track: byte-level tokens and a tiny GPT (every product through OpenBLAS), its
        // training step, KV-cached sampling and GPT-2-layout safetensors.
        .target(name: "DistillText", dependencies: ["DistillCore", "CKernels", "COpenBLAS"]),
        // Text track: generated task suites (reasoning, tool use, coding), exact graders, the
        // tiny language's interpreter, the natural-text corpus (no BLAS, no model).
        .target(name: "DistillTasks", dependencies: ["DistillCore", "DistillData"]),
        // Text track: the chat API (the text oracle): OpenAI-shaped requests and responses, accounts with
        // budgets, exchange logs, response defenses and monitors; in-process and HTTP clients.
        .target(name: "DistillChat", dependencies: ["DistillText", "DistillTasks", "DistillCore", "DistillLab"],
                plugins: ["ComponentCatalogue"]),
        // The chat API as an OpenAI-compatible HTTP server on Hummingbird (`distill-lab serve`).
        .target(name: "DistillServe", dependencies: [
            "DistillChat", "DistillText", "DistillCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Text track's lab: the default teacher recipe, its cache, per-suite evaluation (greedy exact match,
        // fidelity, bits per byte), the three students (seq-KD, top-k logit KD, honest reference), the bench.
        .target(name: "DistillTextLab", dependencies: [
            "DistillText", "DistillTasks", "DistillCore", "DistillChat", "DistillLab", "COpenBLAS",
            .product(name: "Crypto", package: "swift-crypto"),  // SHA-256 cache keys
        ]),
        // Declarative YAML experiment files and key=value overrides.
        .target(name: "DistillConfig", dependencies: ["DistillLab", "DistillNN", "DistillCore", "DistillData", .product(name: "Yams", package: "Yams")]),
        // Sweeps: expansion, resumable sharded runs with shared baselines, collection into tables and SQLite.
        .target(name: "DistillSweep", dependencies: [
            "DistillLab", "DistillConfig", "DistillReport", "DistillNN", "DistillCore", "CSQLite3",
            .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The commands: a thin layer over the libraries (parsing tested in-process).
        .target(
            name: "DistillLabCommands",
            dependencies: ["DistillLab", "DistillConfig", "DistillSweep", "DistillReport", "DistillCore", "DistillNN", "DistillData",
                           "DistillChat", "DistillServe", "DistillText", "DistillTasks", "DistillTextLab",
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The `distill-lab` executable: picks the BLAS kernels, then runs the commands.
        .executableTarget(name: "DistillLabCLI", dependencies: ["DistillLabCommands"]),
        .testTarget(name: "DistillCoreTests", dependencies: ["DistillCore"]),
        .testTarget(name: "DistillStatsTests", dependencies: ["DistillStats"]),
        .testTarget(name: "DistillReportTests", dependencies: ["DistillReport"]),
        .testTarget(name: "DistillNNTests", dependencies: ["DistillNN", "DistillCore"]),
        .testTarget(name: "DistillDataTests", dependencies: ["DistillData", "DistillCore"]),
        .testTarget(name: "DistillTextTests", dependencies: ["DistillText", "DistillCore"]),
        .testTarget(name: "DistillTextLabTests", dependencies: ["DistillTextLab", "DistillText", "DistillTasks", "DistillCore", "DistillChat", "DistillLab"]),
        .testTarget(name: "DistillTasksTests", dependencies: ["DistillTasks", "DistillCore"]),
        .testTarget(name: "DistillChatTests", dependencies: ["DistillChat", "DistillText", "DistillTasks", "DistillCore", "DistillLab"]),
        // The server, called with curl and with the official `openai` Python package (Fixtures/*.py, run by python3).
        .testTarget(name: "DistillServeTests", dependencies: ["DistillServe", "DistillChat", "DistillText", "DistillTasks", "DistillCore", "DistillLabCommands",
                                                            .product(name: "Logging", package: "swift-log")],
                    exclude: ["Fixtures"]),
        .testTarget(name: "DistillLabTests", dependencies: ["DistillLab", "DistillCore", "DistillData", "DistillNN", "DistillStats"]),
        .testTarget(name: "DistillLabCLITests", dependencies: ["DistillLab", "DistillNN"], exclude: ["Fixtures"]),
        .testTarget(name: "DistillConfigTests", dependencies: ["DistillConfig", "DistillLab", "DistillNN", "DistillData"]),
        .testTarget(name: "DistillSweepTests", dependencies: ["DistillSweep", "DistillLab", "DistillConfig", "DistillReport", "DistillCore"]),
    ]
)
