// W3C Web of Things for twin types, as Ditto 3 offers it: Thing Models become type documents, and
// twins (and their features) are described as Thing Descriptions (`application/td+json`).
export { typeDocumentFromThingModel } from './wot-thing-model.js';
export { featureDescription, TD_CONTEXT, thingDescription } from './wot-thing-description.js';
