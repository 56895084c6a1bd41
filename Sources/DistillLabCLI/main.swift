import Foundation
import DistillLab

BLASKernelSelection.reexecWithBestKernelsIfNeeded()
DistillLabCommand.main()
