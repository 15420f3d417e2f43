// Visualization module
