import { RunningSandbox } from '@keyrotation/apigee-sandbox';
import { DEFAULT_OWNERSHIP_SETTINGS } from '../ownership/ownershipSettings';

/**
 * Sets (or, with `owner` undefined, removes) the team attribute on a sandbox developer, as
 * an Apigee admin would; `attribute` defaults to the plugin's default name.
 */
export function markDeveloper(
  sandbox: RunningSandbox,
  org: string,
  developer: string,
  owner: string | undefined,
  attribute = DEFAULT_OWNERSHIP_SETTINGS.developerAttribute,
): void {
  const found = sandbox.apigee.getDeveloper(org, developer);
  found.attributes = setAttribute(found.attributes, attribute, owner);
}

/** The same for the ownership attribute of a sandbox developer app. */
export function markApp(
  sandbox: RunningSandbox,
  org: string,
  developer: string,
  app: string,
  owner: string | undefined,
  attribute = DEFAULT_OWNERSHIP_SETTINGS.appAttribute,
): void {
  const found = sandbox.apigee.getApp(org, developer, app).app;
  found.attributes = setAttribute(found.attributes, attribute, owner);
}

function setAttribute(
  attributes: Array<{ name: string; value: string }>,
  name: string,
  value: string | undefined,
) {
  const others = attributes.filter(a => a.name !== name);
  return value === undefined ? others : [...others, { name, value }];
}

/** The value of one attribute of a sandbox app, as Apigee would return it. */
export function appAttribute(
  sandbox: RunningSandbox,
  org: string,
  developer: string,
  app: string,
  attribute = DEFAULT_OWNERSHIP_SETTINGS.appAttribute,
): string | undefined {
  return sandbox.apigee
    .getApp(org, developer, app)
    .app.attributes.find(a => a.name === attribute)?.value;
}
