/**
 * The {@code tandem} command line (picocli): {@link dev.tandem.cli.Tandem} is the entry point, and each command is a
 * class of its own ({@code DataCommand}, {@code TrainCommand}, {@code SweepCommand}, ...) that parses its options,
 * calls the modules below and prints through picocli's writers, with tables ({@code Tables}) and progress bars
 * ({@code ConsoleProgress}). Logic another program would need belongs in the modules the commands call (the sweep
 * engine, for instance, is {@code dev.tandem.trainer.tune.sweep}); nothing below the CLI imports this package.
 */
package dev.tandem.cli;
