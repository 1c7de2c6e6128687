import 'aws-sdk-client-mock-vitest/extend';

import { scrubStackVariables } from './hermetic-env.js';

// Every test worker starts from an environment without the caller's WHATSAPP_*, AWS_*, PORT, … (see hermetic-env.ts).
scrubStackVariables();
