using System.ComponentModel;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Weights;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>The options that fix which numbers a model computes: input size and weight seed.</summary>
internal abstract class ModelOptions : CommandSettings
{
    [CommandOption("--resolution <PIXELS>")]
    [Description("Input height and width in pixels.")]
    [DefaultValue(224)]
    public int Resolution { get; init; } = 224;

    [CommandOption("--batch <N>")]
    [Description("Batch size of the model's input.")]
    [DefaultValue(1)]
    public int Batch { get; init; } = 1;

    [CommandOption("--seed <N>")]
    [Description("Seed of the weights (and of verify's input).")]
    [DefaultValue(NetworkWeights.DefaultSeed)]
    public int Seed { get; init; } = NetworkWeights.DefaultSeed;

    public InputSpec Input => new(Resolution, Batch);

    public override ValidationResult Validate()
    {
        if (Resolution <= 0) return ValidationResult.Error($"--resolution must be a positive number of pixels, got {Resolution}");
        if (Batch <= 0) return ValidationResult.Error($"--batch must be a positive whole number, got {Batch}");
        return ValidationResult.Success();
    }
}
