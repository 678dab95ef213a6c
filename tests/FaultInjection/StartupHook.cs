using System.Reflection;

/// <summary>
/// Run by the .NET runtime before <c>Main</c> when DOTNET_STARTUP_HOOKS names this assembly: lets Akka find the
/// assembly by name (it is not among the program's own) when the configuration's <c>akka.extensions</c> names
/// <see cref="Form3Actors.FaultInjection.GremlinsExtension"/>.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var self = typeof(StartupHook).Assembly;
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => new AssemblyName(args.Name).Name == self.GetName().Name ? self : null;
    }
}
