namespace FormFollowsFunction.Architectures.Description;

/// <summary>A network description that is inconsistent: its message names the network and the layer.</summary>
public class NetworkDefinitionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Thrown by a layer's shape rule; the builder turns it into a <see cref="NetworkDefinitionException"/>
/// that names the layer.
/// </summary>
public sealed class ShapeMismatchException(string reason) : Exception(reason);
