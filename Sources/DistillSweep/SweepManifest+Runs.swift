import Foundation
import DistillLab

extension SweepManifest {
    /// The sweep a folder of plain `distill-lab train` runs amounts to, so
    /// `collect` and `report` treat it as they treat a sweep: one point per
    /// distinct settings (BLAS threads aside; runs with equal settings and
    /// seed are one point, found doubled), named after its first folder; the
    /// axes are the settings that differ between the runs (the seed aside,
    /// which makes rows' seeds as in a sweep), each value written as an
    /// override would take it (`defense.responses=[rounding:decimals=1]`).
    /// - Parameters:
    ///   - name: the folder's name (the report's default title).
    ///   - runs: each finished run's folder name and settings, in folder order.
    public static func implicit(name: String, runs: [(folder: String, settings: ExperimentSettings)]) -> SweepManifest {
        var distinct: [(folder: String, settings: ExperimentSettings)] = []
        for run in runs where !distinct.contains(where: { SweepCollection.same($0.settings, run.settings) }) { distinct.append(run) }
        let flat = distinct.map { settingValues($0.settings) }
        // Keys whose value differs between the runs (or is missing in some), in first-seen order.
        var keys: [String] = []
        for f in flat { for (k, _) in f where !keys.contains(k) { keys.append(k) } }
        let lookups = flat.map { Dictionary($0, uniquingKeysWith: { a, _ in a }) }
        let axisKeys = keys.filter { key in key != "seed" && key != "threads" && Set(lookups.map { $0[key] ?? "" }).count > 1 }
        let combinations = lookups.map { values in axisKeys.compactMap { key in values[key].map { (key: key, value: $0) } } }
        // Runs differing only in their seed share a setting (a row, summarised over its seeds).
        var unique: [[(key: String, value: String)]] = []
        for c in combinations where !unique.contains(where: { $0.elementsEqual(c, by: ==) }) { unique.append(c) }
        let uniqueNames = SweepDefinition.settingNames(unique)
        let names = combinations.map { c in uniqueNames[unique.firstIndex { $0.elementsEqual(c, by: ==) }!] }
        let points = zip(distinct, zip(combinations, names)).enumerated().map { index, item in
            let (run, (combination, setting)) = item
            return SweepPoint(index: index, name: run.folder, setting: setting,
                              assignments: combination.map { "\($0.key)=\($0.value)" },
                              seed: run.settings.seed, settings: run.settings)
        }
        let axes = axisKeys.map { key in
            var values: [String] = []
            for l in lookups { if let v = l[key], !values.contains(v) { values.append(v) } }
            return SweepAxis(key: key, values: values, origin: "run folders")
        }
        return SweepManifest(definition: SweepDefinition(fileName: name, axes: axes), points: points)
    }

    /// Every setting as a dotted key path and its value as an override would
    /// write it: objects are descended into, lists and scalars are leaves, a
    /// component spec (`{name, parameters}`) is `name:key=value,…`, a list of
    /// them `[a, b]`, as the run's settings.json holds it (as the label shows it).
    /// Threads are left out (they do not change what a run is).
    static func settingValues(_ settings: ExperimentSettings) -> [(key: String, value: String)] {
        var s = settings
        s.threads = 1
        guard let data = try? JSONCoding.compact(s), let tree = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var out: [(key: String, value: String)] = []
        func walk(_ value: Any, _ path: String) {
            if let object = value as? [String: Any], spec(object) == nil {
                for key in object.keys.sorted() { walk(object[key]!, path.isEmpty ? key : path + "." + key) }
            } else {
                out.append((path, text(value)))
            }
        }
        walk(tree, "")
        return out
    }

    private static func spec(_ object: [String: Any]) -> String? {
        guard Set(object.keys) == ["name", "parameters"], let name = object["name"] as? String,
              let parameters = object["parameters"] as? [String: String] else { return nil }
        return ComponentSpec(name: name, parameters: parameters).description
    }

    private static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        if let object = value as? [String: Any], let s = spec(object) { return s }
        if let list = value as? [Any], !list.isEmpty, list.allSatisfy({ ($0 as? [String: Any]).flatMap(spec) != nil }) {
            return "[" + list.map { spec($0 as! [String: Any])! }.joined(separator: ", ") + "]"
        }
        if value is NSNull { return "" }
        let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
    }
}
