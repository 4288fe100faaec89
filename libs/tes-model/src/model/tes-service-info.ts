import { z } from 'zod';
import { optional } from '../support/optional-field';
import { rfc3339Schema } from '../time/rfc3339';

/** The TES version Capstan speaks, for `type.version` in service-info. */
export const TES_SPEC_VERSION = '1.1.0';
/** GA4GH's service-type group and artifact for TES. */
export const TES_SERVICE_GROUP = 'org.ga4gh';
export const TES_ARTIFACT = 'tes';

const urlSchema = z.string().refine((text) => URL.canParse(text), {
  error: (issue) => `is ${JSON.stringify(issue.input)}, not an absolute URL; write it like "https://example.org"`,
});

/** GA4GH `ServiceType` narrowed to TES: `artifact` is `tes`. */
export const tesServiceTypeSchema = z.object({
  /** Namespace in reverse domain name format, `org.ga4gh` for GA4GH specifications. */
  group: z.string(),
  artifact: z.literal(TES_ARTIFACT),
  /** The version of the TES specification the service implements. */
  version: z.string(),
});
export type TesServiceType = z.infer<typeof tesServiceTypeSchema>;

/** GA4GH `Organization`: who runs the service. */
export const serviceOrganizationSchema = z.object({
  name: z.string(),
  url: urlSchema,
});

/**
 * `tesServiceInfo`: the GA4GH service-info v1.0.0 `Service` (`id`, `name`, `type`, `organization` and `version`
 * required), plus `storage` and the supported `tesResources_backend_parameters` keys.
 */
export const tesServiceInfoSchema = z.object({
  /** Unique among GA4GH services, in reverse domain name format (`org.example.capstan`). */
  id: z.string(),
  name: z.string(),
  type: tesServiceTypeSchema,
  description: optional(z.string()),
  organization: serviceOrganizationSchema,
  /** A `mailto:` or https URL for support. */
  contactUrl: optional(urlSchema),
  documentationUrl: optional(urlSchema),
  createdAt: optional(rfc3339Schema),
  updatedAt: optional(rfc3339Schema),
  /** `test`, `dev`, `staging`, `prod`, ... */
  environment: optional(z.string()),
  /** The version of the service (not of the spec). */
  version: z.string(),
  storage: optional(z.array(z.string())),
  tesResources_backend_parameters: optional(z.array(z.string())),
});
export type TesServiceInfo = z.infer<typeof tesServiceInfoSchema>;
