import Foundation
import DistillCore
import DistillData

/// Resampling and blurring of images stored as feature rows, for querying a
/// teacher with images of another geometry (e.g. 28×28 Fashion-MNIST against
/// an 8×8 digits teacher).
///
/// Every operation here is separable and linear, so it is built once as a
/// `(H·W) × (h·w)` matrix and applied to a whole batch of rows with one sgemm.
public enum ImageResize {
    /// How pixels are resampled.
    public enum Method: String, CaseIterable, Sendable {
        /// Each output pixel is the mean of the source area it covers, with
        /// fractional weights at the borders (OpenCV INTER_AREA, PIL BOX).
        /// Right for shrinking: no aliasing, preserves the mean intensity.
        case area
        /// Linear interpolation between the two nearest source pixels along
        /// each axis, half-pixel centres, edges clamped (OpenCV INTER_LINEAR,
        /// align_corners = false). Right for enlarging; aliases when shrinking a lot.
        case bilinear
    }

    /// Weights `(outputs × inputs)` resampling one axis of length `n` to `m`.
    /// - Precondition: `n > 0`, `m > 0`.
    public static func axisWeights(from n: Int, to m: Int, method: Method) -> [[Double]] {
        precondition(n > 0 && m > 0, "axis lengths must be positive, got \(n) → \(m)")
        let scale = Double(n) / Double(m)
        var w = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        for o in 0..<m {
            switch method {
            case .area:
                // Source interval [o·scale, (o+1)·scale), weighted by overlap with each pixel [i, i+1).
                let lo = Double(o) * scale, hi = Double(o + 1) * scale
                var i = Int(lo.rounded(.down))
                while i < n, Double(i) < hi {
                    let overlap = min(hi, Double(i + 1)) - max(lo, Double(i))
                    if overlap > 0 { w[o][i] += overlap / scale }
                    i += 1
                }
            case .bilinear:
                let u = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(n - 1))
                let i0 = Int(u.rounded(.down)), i1 = min(i0 + 1, n - 1)
                let f = u - Double(i0)
                w[o][i0] += 1 - f
                w[o][i1] += f
            }
        }
        return w
    }

    /// Gaussian blur weights `(n × n)` along one axis with standard deviation
    /// `sigma` pixels, truncated at 3σ, edges replicated (so rows sum to 1).
    public static func gaussianWeights(length n: Int, sigma: Double) -> [[Double]] {
        precondition(n > 0 && sigma > 0, "need a positive length and sigma")
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        let kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        var w = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for o in 0..<n {
            for (t, k) in kernel.enumerated() {
                let i = min(max(o + t - radius, 0), n - 1)
                w[o][i] += k / total
            }
        }
        return w
    }

    /// The `(H·W) × (h·w)` matrix `K` with `K[(i·W + j), (a·w + b)] = rows[a][i] · cols[b][j]`,
    /// so that `X · K` applies the separable map to every image row of `X`.
    static func separableMatrix(rows wy: [[Double]], cols wx: [[Double]], from source: ImageShape) -> Matrix {
        let (h, w) = (wy.count, wx.count)
        let k = Matrix(rows: source.pixelCount, cols: h * w)
        for a in 0..<h {
            for i in 0..<source.height where wy[a][i] != 0 {
                for b in 0..<w {
                    for j in 0..<source.width where wx[b][j] != 0 {
                        k[i * source.width + j, a * w + b] = Float(wy[a][i] * wx[b][j])
                    }
                }
            }
        }
        return k
    }

    /// Resizes every row of `images` (each a `source` image, row-major) to `target`.
    /// - Throws: `AttackError.incompatible` when a shape does not match the rows.
    /// - Complexity: one sgemm, O(N · H·W · h·w), plus building the H·W × h·w map.
    public static func resize(_ images: Matrix, from source: ImageShape, to target: ImageShape,
                              method: Method = .area) throws -> Matrix {
        guard source.height > 0, source.width > 0, target.height > 0, target.width > 0 else {
            throw AttackError.incompatible(component: "resize", reason: "image shapes must be positive, got \(source) → \(target)")
        }
        guard images.cols == source.pixelCount else {
            throw AttackError.incompatible(component: "resize", reason: "rows have \(images.cols) features but a \(source) image has \(source.pixelCount) pixels")
        }
        if source == target { return images.copy() }
        let k = separableMatrix(rows: axisWeights(from: source.height, to: target.height, method: method),
                                cols: axisWeights(from: source.width, to: target.width, method: method), from: source)
        return Matrix.product(images, k)
    }

    /// Gaussian-blurs every row of `images` (each a `shape` image) with `sigma` pixels.
    /// - Complexity: one sgemm, O(N · (H·W)²).
    public static func blur(_ images: Matrix, shape: ImageShape, sigma: Double) -> Matrix {
        precondition(images.cols == shape.pixelCount, "rows have \(images.cols) features, a \(shape) image has \(shape.pixelCount)")
        let k = separableMatrix(rows: gaussianWeights(length: shape.height, sigma: sigma),
                                cols: gaussianWeights(length: shape.width, sigma: sigma), from: shape)
        return Matrix.product(images, k)
    }
}
