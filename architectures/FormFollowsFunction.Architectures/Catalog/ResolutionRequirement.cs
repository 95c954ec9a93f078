using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Catalog;

/// <summary>
/// A model that cannot be built at the requested input resolution although it can at others: too
/// small an input, or (DARTS' FactorizedReduce) a size that must be even where it is odd.
/// </summary>
public sealed class InputResolutionException(string message, string modelId, int requested, int? minimum,
    int? nearestBelow, int? nearestAbove, NetworkDefinitionException cause) : NetworkDefinitionException(message, cause)
{
    public string ModelId { get; } = modelId;

    public int Requested { get; } = requested;

    /// <summary>The smallest resolution that works when it is above <see cref="Requested"/>; otherwise null.</summary>
    public int? Minimum { get; } = minimum;

    /// <summary>When resolutions below the requested one work: the nearest one below and above that does.</summary>
    public int? NearestBelow { get; } = nearestBelow;

    public int? NearestAbove { get; } = nearestAbove;

    /// <summary>The original failure, naming the layer that did not fit.</summary>
    public NetworkDefinitionException Cause { get; } = cause;
}

/// <summary>
/// Finds which input resolutions a model can be built at, by trying them with shape inference (a
/// build is a few milliseconds; no weights are made), to turn a layer-level shape error into advice.
/// </summary>
public static class ResolutionRequirement
{
    /// <summary>Resolutions above this are not searched.</summary>
    public const int SearchLimit = 4096;

    public static Network Build(ModelDefinition model, InputSpec input)
    {
        try
        {
            return model.Builder(input);
        }
        catch (NetworkDefinitionException e) when (e is not InputResolutionException && !model.IsUser
                                                   && input is { Resolution: > 0, Batch: > 0, Classes: > 0, Channels: > 0 })
        {
            var explained = Explain(model, input, e);
            if (explained is null) throw;
            throw explained;
        }
    }

    /// <summary>The smallest resolution from 1 to <see cref="SearchLimit"/> at which the model builds, or null.</summary>
    public static int? Minimum(ModelDefinition model, InputSpec input) => FirstWorking(model, input, Enumerable.Range(1, SearchLimit));

    private static InputResolutionException? Explain(ModelDefinition model, InputSpec input, NetworkDefinitionException cause)
    {
        int requested = input.Resolution;
        int limit = Math.Max(SearchLimit, 2 * requested);
        int? below = FirstWorking(model, input, Enumerable.Range(1, requested - 1).Reverse());
        if (below is null)
        {
            int? minimum = FirstWorking(model, input, Enumerable.Range(requested + 1, limit - requested));
            return minimum is null
                ? null
                : new InputResolutionException($"{model.Id} needs an input resolution of at least {minimum} (got {requested})",
                    model.Id, requested, minimum, null, null, cause);
        }
        int? above = FirstWorking(model, input, Enumerable.Range(requested + 1, limit - requested));
        string nearest = above is null ? $"{below}" : $"{below} and {above}";
        return new InputResolutionException(
            $"{model.Id} cannot be built at input resolution {requested} ({cause.Message}); the nearest resolutions that work are {nearest}",
            model.Id, requested, null, below, above, cause);
    }

    private static int? FirstWorking(ModelDefinition model, InputSpec input, IEnumerable<int> resolutions)
    {
        foreach (int resolution in resolutions)
        {
            try
            {
                model.Builder(input with { Resolution = resolution });
                return resolution;
            }
            catch (NetworkDefinitionException)
            {
            }
        }
        return null;
    }
}
