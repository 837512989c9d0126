import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { Expect, judgeOrRequire, requireOk } from '../response.ts';
import { HarnessError, Unsupported } from '../context.ts';
import { asObject, truncate } from '../json.ts';

export const createRoom = defineStep({
  kind: 'create_room',
  summary: 'A local actor creates a room; `join` actors are invited (when needed) and joined before the step ends.',
  args: Type.Object(
    {
      as: Name.local(),
      preset: Type.Optional(Type.Union([Type.Literal('private_chat'), Type.Literal('public_chat'), Type.Literal('trusted_private_chat')])),
      room_version: Type.Optional(Type.String({ minLength: 1, description: "Omitted: the server's own default (a real deployment's)." })),
      invite: Type.Optional(Type.Array(Name.local())),
      join: Type.Optional(Type.Array(Name.local())),
      power_levels: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'power_level_content_override' })),
      expect: Type.Optional(Expect),
      room: Type.Optional(Name.newRoom()),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const name = args.room ?? 'room';
    const creator = ctx.actor(args.as);
    const preset = args.preset ?? 'private_chat';
    const invite = new Set(args.invite ?? []);
    if (preset !== 'public_chat') for (const j of args.join ?? []) invite.add(j);
    const body: Record<string, unknown> = { preset, name: `${ctx.settings.runPrefix} ${ctx.scenario.id} ${name}`, invite: [...invite].map((a) => ctx.user(a)) };
    const version = args.room_version ?? ctx.settings.roomVersion;
    if (version) body.room_version = version;
    if (args.power_levels) body.power_level_content_override = args.power_levels;
    const res = await creator.createRoom(body);
    // A room version the server does not offer is not a verdict on it: the scenario cannot run there.
    if (version && res.status === 400 && asObject(res.json)?.errcode === 'M_UNSUPPORTED_ROOM_VERSION') throw new Unsupported(`the target does not offer room version ${version} (${at.where})`);
    judgeOrRequire(ctx, at, res, args.expect, `creating room ${name}`);
    const roomId = asObject(res.json)?.room_id;
    if (typeof roomId !== 'string') throw new HarnessError(`creating room ${name}: no room_id in ${truncate(res.text, 200)}`, res.record);
    ctx.rooms.set(name, roomId);
    // One join at a time, each confirmed by the server before it answers: concurrent joins are not
    // what the scenarios test, and palpo 0.0.2 (no lock around a join) can corrupt the room's
    // state with them, which would make any scenario an error now and then.
    for (const j of args.join ?? []) requireOk(await ctx.actor(j).join(roomId), `${j} joining ${name}`);
  },
});
