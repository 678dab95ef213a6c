using System.Text.Json;
using System.Text.Json.Serialization;
using Form3Actors.Messages.CoordinatorEvents;
using Form3Actors.Messages.WorkProtocol;

namespace Form3Actors.Messages.Serialization;

/// <summary>
/// The JSON shape of every message and event <see cref="Form3Serializer"/> writes as JSON, generated at build time:
/// no reflection and no code emitted at run time, so a short-lived process does not pay to build its serializers,
/// and the generated code is precompiled with the rest of the assembly. Property names in camelCase, as always.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RequestWork))]
[JsonSerializable(typeof(RenewLeases))]
[JsonSerializable(typeof(NoWorkYet))]
[JsonSerializable(typeof(BatchAccepted))]
[JsonSerializable(typeof(RunFinished))]
[JsonSerializable(typeof(FilesCompleted))]
[JsonSerializable(typeof(FilesQuarantined))]
[JsonSerializable(typeof(BatchesLost))]
internal sealed partial class Form3JsonContext : JsonSerializerContext;
