namespace Form3Actors.Messages;

/// <summary>
/// Marker of every message and journaled event of Form3Actors. hocon/shared.conf binds it to
/// <see cref="Serialization.Form3Serializer"/>, so nothing of ours falls back to Akka's default serializer.
/// </summary>
public interface IForm3Message;

/// <summary>Commands and replies exchanged between the coordinator and node workers.</summary>
public interface IWorkMessage : IForm3Message;

/// <summary>Events the coordinator journals. They are a schema: never renamed or removed, only added.</summary>
public interface ICoordinatorEvent : IForm3Message
{
    DateTimeOffset OccurredAt { get; }
}
