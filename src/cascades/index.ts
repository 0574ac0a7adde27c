export type { Cascade, CascadeMap, CascadeParams, CascadeReport, CascadeTargets } from './cascades.js'
