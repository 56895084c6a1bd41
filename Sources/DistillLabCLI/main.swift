import DistillLabCommands

DistillLabCommand.launch()
