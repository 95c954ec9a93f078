using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>A network spec file that cannot be read: one line naming the file, the line, the key and the fix.</summary>
public sealed class NetworkSpecException(string message) : NetworkDefinitionException(message);
