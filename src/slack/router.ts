import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  App,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

type Handler<A> = (args: A & AllMiddlewareArgs) => Promise<void>;

/**
 * The bot's Slack listeners behind one Bolt middleware, found by a map look-up. Bolt runs the
 * middleware chain of every listener registered with `app.command`, `app.action`, … for every
 * request, each chain copying the request's arguments at every step: with the bot's six listeners
 * Bolt allocated 33 KB per slash command before its ack, behind this one 14 KB (sampled allocation
 * profiles of bursts, `npm run bench` with BENCH_ACK_PROF_HEAP), and a burst of 500 commands had
 * 7–9 scavenges instead of 11–12, each a pause of every ack in flight. The matching is Bolt's for
 * the kinds the bot uses: a command by its name, a block action by its action_id, a view
 * submission by its callback_id, an event by its type. A request nothing here matches goes on to
 * Bolt, which logs it as unhandled.
 */
export class SlackRouter {
  private readonly commands = new Map<string, Handler<SlackCommandMiddlewareArgs>>();
  private readonly actions = new Map<string, Handler<SlackActionMiddlewareArgs>>();
  private readonly views = new Map<string, Handler<SlackViewMiddlewareArgs>>();
  private readonly events = new Map<string, Handler<SlackEventMiddlewareArgs>>();

  command(name: string, handler: Handler<SlackCommandMiddlewareArgs>): void {
    add(this.commands, name, handler);
  }

  action<A extends SlackAction>(actionId: string, handler: Handler<SlackActionMiddlewareArgs<A>>): void {
    add(this.actions, actionId, handler as Handler<SlackActionMiddlewareArgs>);
  }

  view(callbackId: string, handler: Handler<SlackViewMiddlewareArgs>): void {
    add(this.views, callbackId, handler);
  }

  event<E extends string>(type: E, handler: Handler<SlackEventMiddlewareArgs<E>>): void {
    add(this.events, type, handler as unknown as Handler<SlackEventMiddlewareArgs>);
  }

  /** Routes every request `app` receives; call once, after registering. */
  install(app: App): void {
    app.use(async (args) => {
      const handler = this.handlerOf(args);
      if (handler) await handler(args);
      else await args.next();
    });
  }

  /**
   * The handler registered for this request, if any. Each branch checks the body type its
   * handlers' arguments come from, so handing them these arguments is safe.
   */
  private handlerOf(args: AnyMiddlewareArgs): Handler<AnyMiddlewareArgs> | undefined {
    const { body } = args;
    const found = (handler: unknown) => handler as Handler<AnyMiddlewareArgs> | undefined;
    if ('command' in args && args.command) return found(this.commands.get(args.command.command));
    if ('action' in args && args.action && body.type === 'block_actions' && 'action_id' in args.action) {
      return found(this.actions.get(args.action.action_id));
    }
    if ('view' in args && body.type === 'view_submission')
      return found(this.views.get(args.view.callback_id));
    if ('event' in args && args.event) return found(this.events.get(args.event.type));
    return undefined;
  }
}

function add<H>(routes: Map<string, H>, key: string, handler: H): void {
  if (routes.has(key)) throw new Error(`two Slack listeners for ${key}`);
  routes.set(key, handler);
}
