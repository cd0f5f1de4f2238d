/// Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method.
///
/// Jacobi is slow for large matrices but simple, unconditionally stable and accurate to
/// machine precision for the small matrices of batch MSPC (a few hundred columns), which
/// is what makes federated and pooled PCA agree to 1e-9.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues, descending.
    public var values: [Double]
    /// Eigenvectors as columns, row-major `n × n`: `vectors[i * n + k]` is component i of
    /// the k-th eigenvector. Each is normalised and its largest-magnitude entry is positive
    /// (a fixed sign convention, so results are reproducible).
    public var vectors: [Double]
    public var dimension: Int

    /// Decomposes the symmetric row-major `n × n` matrix `a`.
    public init(symmetric a: [Double], dimension n: Int) {
        precondition(a.count == n * n)
        var m = a
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        // Raw buffers: the same arithmetic in the same order, without the per-element
        // bounds checks and uniqueness tests that make debug builds ~10× slower here.
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                Self.sweep(m, v, n)
            }
        }
        let order = (0..<n).sorted { m[$0 * n + $0] > m[$1 * n + $1] }
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        for (k, src) in order.enumerated() {
            values[k] = m[src * n + src]
            var big = 0
            for i in 0..<n where abs(v[i * n + src]) > abs(v[big * n + src]) { big = i }
            let sign: Double = v[big * n + src] < 0 ? -1 : 1
            for i in 0..<n { vectors[i * n + k] = sign * v[i * n + src] }
        }
        self.values = values
        self.vectors = vectors
        self.dimension = n
    }

    /// Cyclic Jacobi sweeps on `m` (diagonalised in place), accumulating rotations in `v`.
    static func sweep(_ m: UnsafeMutableBufferPointer<Double>, _ v: UnsafeMutableBufferPointer<Double>, _ n: Int) {
        for _ in 0..<100 {
            var off = 0.0
            var total = 0.0
            for i in 0..<n {
                for j in 0..<n {
                    total += m[i * n + j] * m[i * n + j]
                    if i != j { off += m[i * n + j] * m[i * n + j] }
                }
            }
            if off <= 1e-30 * max(total, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<n where q < n {
                    let apq = m[p * n + q]
                    if apq == 0 { continue }
                    let app = m[p * n + p], aqq = m[q * n + q]
                    let theta = (aqq - app) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let mkp = m[k * n + p], mkq = m[k * n + q]
                        m[k * n + p] = c * mkp - s * mkq
                        m[k * n + q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p * n + k], mqk = m[q * n + k]
                        m[p * n + k] = c * mpk - s * mqk
                        m[q * n + k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
    }
}
